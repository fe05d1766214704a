// The Norwegian base Practitioner: our equivalent of HL7 Norway's no-basis-Practitioner.

Profile: NoPractitioner
Parent: Practitioner
Id: no-practitioner
Title: "Norwegian practitioner"
Description: "A health or care worker in Norway, identified by HPR-nummer (the Health Personnel Register of Helsedirektoratet) for authorised health personnel, and otherwise by fødselsnummer or D-nummer. Names and addresses follow the Norwegian name and address profiles."
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-Practitioner)
* identifier MS
* insert IdentifierSlicedBySystem
* identifier ^slicing.description = "Norwegian identifiers of health personnel are told apart by their system. Other identifiers are allowed."
* identifier contains
    HPR 0..1 MS and
    FNR 0..1 MS and
    DNR 0..1
* insert NorwegianIdentifierSlice(HPR, urn:oid:2.16.578.1.12.4.1.4.4, HPR-nummer)
* identifier[HPR] ^definition = "The person's number in the Health Personnel Register (Helsepersonellregisteret, HPR)."
* insert NorwegianIdentifierSlice(FNR, urn:oid:2.16.578.1.12.4.1.4.1, Fødselsnummer)
* insert NorwegianIdentifierSlice(DNR, urn:oid:2.16.578.1.12.4.1.4.2, D-nummer)
* name only NoHumanName
* address only NoAddress
