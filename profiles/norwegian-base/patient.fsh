// The Norwegian base Patient: our equivalent of HL7 Norway's no-basis-Patient.

RuleSet: NorwegianIdentifierSlice(slice, system, short)
* identifier[{slice}] ^short = "{short}"
* identifier[{slice}].system 1..1
* identifier[{slice}].system = "{system}" (exactly)
* identifier[{slice}].value 1..1

RuleSet: IdentifierSlicedBySystem
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.ordered = false

Profile: NoPatient
Parent: Patient
Id: no-patient
Title: "Norwegian patient"
Description: "A patient in the Norwegian health and care services, identified by at least one Norwegian person identifier: fødselsnummer (FNR), D-nummer (DNR), felles hjelpenummer (FHN) or a local H-nummer (HNR). Names and addresses follow the Norwegian name and address profiles. Other identifiers may be given as well. The welfare-technology patient profile builds on this one."
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-Patient)
* obeys no-pat-1
* identifier MS
* insert IdentifierSlicedBySystem
* identifier ^slicing.description = "Norwegian person identifiers are told apart by their system. Other identifiers are allowed."
* identifier contains
    FNR 0..1 MS and
    DNR 0..1 MS and
    FHN 0..1 MS and
    HNR 0..1
* insert NorwegianIdentifierSlice(FNR, urn:oid:2.16.578.1.12.4.1.4.1, Fødselsnummer)
* identifier[FNR] ^definition = "The person's fødselsnummer from the National Population Register: eleven digits, the first six the date of birth, the last two control digits."
* insert NorwegianIdentifierSlice(DNR, urn:oid:2.16.578.1.12.4.1.4.2, D-nummer)
* identifier[DNR] ^definition = "A D-nummer, given to people who are not or not yet resident in Norway: a fødselsnummer with 4 added to the first digit."
* insert NorwegianIdentifierSlice(FHN, urn:oid:2.16.578.1.12.4.1.4.3, Felles hjelpenummer)
* identifier[FHN] ^definition = "A felles hjelpenummer from Norsk helsenett, for a person whose fødselsnummer or D-nummer is not known: eleven digits starting with 8 or 9, the last two control digits. Use it only when neither fødselsnummer nor D-nummer is known."
* insert NorwegianIdentifierSlice(HNR, HNR, H-nummer)
* identifier[HNR] ^definition = "A local auxiliary number (H-nummer) given by one health institution to a person whose identity is not (yet) known. It is unique only within the institution that assigned it, so the type and the assigner are required."
* identifier[HNR].type 1..1
* identifier[HNR].type = urn:oid:2.16.578.1.12.4.1.1.8327#HNR
* identifier[HNR].assigner 1..1
* identifier[HNR].assigner ^short = "The institution that assigned the H-nummer"
* name only NoHumanName
* name MS
* address only NoAddress
* contact.name only NoHumanName
* contact.address only NoAddress
* generalPractitioner only Reference(Organization or Practitioner or PractitionerRole)
* managingOrganization only Reference(Organization)
