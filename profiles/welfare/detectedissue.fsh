// Varsel: an alarm raised by welfare technology (a fall, a dose not taken, a pull cord…).
// Based on VKP's vkp-DetectedIssue-v090, which replaced the deleted vkp-Flag for alarms.

Profile: WtDetectedIssue
Parent: DetectedIssue
Id: wt-detectedissue
Title: "Welfare-technology alarm (varsel)"
Description: "An alarm or notification (varsel) raised by welfare technology or a response centre about a patient: its type from VKP's hierarchical alert-code system (for example 1.1 dose not dispensed, 4.1 fall), when it was raised, by which device or person, and how severe it is. The patient and the author are referenced logically (identifier and display), as vendors do with the national welfare-technology hub (VKP). The default profile for DetectedIssue; stands in for VKP's vkp-DetectedIssue-v090."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090)
* status MS
* code 1..1 MS
* code from https://knutepunkt.dev/fhir/ValueSet/alert-code (required)
* code ^short = "Type of alarm, from VKP's alert-code system"
* code.coding 1..* MS
* severity MS
* severity ^comment = "May be left out when the severity is not known."
* patient 1..1 MS
* patient ^short = "The patient, by fødselsnummer, D-nummer or felles hjelpenummer and name"
* insert LogicalPatientReference(patient)
* identified[x] 1..1 MS
* identified[x] only dateTime
* identified[x] ^short = "When the alarm was raised"
* author MS
* author ^short = "Device or person that raised the alarm, by identifier and name"
* author ^comment = "A device is referenced by its serial number or IMEI (identifier) with the device type as display."
* insert LogicalPersonReference(author)
* implicated MS
* implicated ^short = "Resources the alarm is about, e.g. a MedicationDispense"
* detail MS
* detail ^short = "Human-readable severity, e.g. a colour such as \"gul\""
