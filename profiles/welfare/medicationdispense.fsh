// Medisindispenser: a dose handed out by an electronic medication-support device at home.
// Based on VKP's vkp-MedicationDispense-v090 (successful dispenses only; failures are alarms).

Profile: WtMedicationDispense
Parent: MedicationDispense
Id: wt-medicationdispense
Title: "Medicine dispenser event"
Description: "A dose of medicine handed out by a medicine dispenser (electronic medication support) at the patient's home: the kind of dispense (ordinary, assisted, as needed, for travel, message to the user), when it was handed over, and the device that performed it, identified by serial number or IMEI. Only successful dispenses are reported this way; a dose not taken is an alarm (DetectedIssue). The patient is referenced logically (identifier and display), as vendors do with the national welfare-technology hub (VKP). The default profile for MedicationDispense; stands in for VKP's vkp-MedicationDispense-v090."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-MedicationDispense-v090)
* obeys wt-md-1
* extension contains WtDispenseDevice named device 0..1 MS
* extension[device] ^short = "The dispenser that performed the event"
* identifier MS
* identifier ^short = "Business identifier of the event (a UUID)"
* identifier.system = "urn:ietf:rfc:3986" (exactly)
* identifier.system MS
* identifier.value MS
* identifier.value ^short = "The UUID, as urn:uuid:…"
* status MS
* status from https://knutepunkt.dev/fhir/ValueSet/medicationdispense-status (required)
* status ^short = "in-progress | completed"
* status ^comment = "Normal reporting of a dispensed dose is completed."
* category 1..1 MS
* category from https://knutepunkt.dev/fhir/ValueSet/medicationdispense-category (required)
* category ^short = "Kind of dispense event, from VKP's dispense-event code system"
* category.coding 1..* MS
* medication[x] ^comment = "A dispenser does not know the medicine; VKP payloads send medicationCodeableConcept.text \"Ukjent medisin\"."
* subject 1..1 MS
* subject only Reference(Patient)
* subject ^short = "The patient, by fødselsnummer, D-nummer or felles hjelpenummer and name"
* insert LogicalPatientReference(subject)
* performer 1..* MS
* performer ^short = "The dispenser (and any person) that performed the dispense"
* performer.actor MS
* performer.actor ^comment = "The dispenser is referenced logically: identifier = its serial number or IMEI under the vendor's system, display = the device type. A person handling the device may be added as a further performer."
* performer.actor.identifier 1..1 MS
* performer.actor.identifier.system 1..1 MS
* performer.actor.identifier.value 1..1 MS
* performer.actor.display MS
* whenHandedOver 1..1 MS
* whenHandedOver ^short = "When the event took place"
* dosageInstruction MS
* dosageInstruction.text MS
* dosageInstruction.text ^short = "Free text from the dispenser, e.g. the doses handed out for a journey"
