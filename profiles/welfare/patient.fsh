// pasientinfo: the patient as the EPJ (municipal health record) publishes it to welfare-technology
// vendors and response centres. Stands in for VKP's vkp-Patient-v090.

Profile: WtPatient
Parent: NoPatient
Id: wt-patient
Title: "Welfare-technology patient"
Description: "A recipient of municipal welfare-technology services (safety alarm, digital supervision, medicine dispenser, digital home follow-up) as the health record publishes it (pasientinfo): Norwegian identifiers, name, contact details, the address with e-lock and directions for responders, the zone and household, and whether the address is secret. Identified by fødselsnummer, D-nummer or felles hjelpenummer. Stands in for VKP's vkp-Patient-v090 and is the default profile for every Patient."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-Patient-v090)
* extension contains
    WtZone named zone 0..1 MS and
    WtHousehold named household 0..1 MS and
    WtSecretAddress named secretAddress 0..1 MS
* extension[zone] ^short = "Zone: Municipality|District|Sone|SubSone"
* extension[household] ^short = "Household (lives alone, pets, ...)"
* extension[secretAddress] ^short = "Secret address (absence does not mean the address is not secret)"
* identifier 1..* MS
* identifier ^short = "Fødselsnummer, D-nummer or felles hjelpenummer (others allowed)"
* identifier ^comment = "Welfare-technology vendors match the patient by fødselsnummer; D-nummer or felles hjelpenummer are used when the person has no fødselsnummer."
* name MS
* telecom MS
* gender MS
* birthDate MS
* address only WtAddress
* address MS
* contact MS
* contact.relationship MS
* contact.relationship from http://hl7.org/fhir/ValueSet/patient-contactrelationship (extensible)
* contact.relationship ^comment = "The main contact is coded C \"Emergency Contact\" (HL7 v2 table 0131); text may be given in addition or instead."
* contact.name MS
* contact.telecom MS
* generalPractitioner MS
* generalPractitioner ^comment = "VKP expects the HER-id of the service responsible for the patient's fastlege (regular GP)."

Profile: WtAddress
Parent: NoAddress
Id: wt-address
Title: "Welfare-technology address"
Description: "A Norwegian address with what a responder needs to get to and into the home: the electronic door-lock system (extension elock) and directions for finding the address (line.extension hint, ISO 21090 additionalLocator). Stands in for VKP's vkp-Address-v090."
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-Address-v090)
* extension contains WtElock named elock 0..1 MS
* extension[elock] ^short = "Name of the e-lock system (absent: no e-lock)"
* line.extension contains http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-additionalLocator named hint 0..1 MS
* line.extension[hint] ^short = "How to locate the address when visiting"
