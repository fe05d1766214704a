// Tilsyn (physical or digital supervision) and a response centre's structured follow-up of an
// alarm. Based on VKP's vkp-Encounter-v090 (and the older vkp-digital-Encounter-v090).

Profile: WtEncounter
Parent: Encounter
Id: wt-encounter
Title: "Welfare-technology encounter (tilsyn, alarm follow-up)"
Description: "A physical or digital supervision of a patient (tilsyn), or a response centre's structured follow-up of an alarm, reported by a welfare-technology system. Each participant is a person or a device in a given mode (image supervision, two-way speech, listening in); devices are carried in the wt-encounter-device extension because R4 does not let a participant reference a Device. Patients and persons are referenced logically (identifier and display), as vendors do with the national welfare-technology hub (VKP). The default profile for Encounter; stands in for VKP's vkp-Encounter-v090 and vkp-digital-Encounter-v090."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-Encounter-v090)
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-digital-Encounter-v090)
* extension contains WtEncounterDevice named device 0..* MS
* extension[device] ^short = "Device used in the encounter as a whole"
* extension[device] ^comment = "A device that took part in a particular mode belongs on the participant instead."
* identifier MS
* identifier ^short = "Business identifier of the encounter (a UUID)"
* identifier.system = "urn:ietf:rfc:3986" (exactly)
* identifier.system MS
* identifier.value MS
* identifier.value ^short = "The UUID, as urn:uuid:…"
* status MS
* status ^comment = "Reported supervisions and alarm follow-ups are normally finished."
* class MS
* class ^comment = "Digital supervision (digitalt tilsyn) and other remote encounters use VR (virtual) from http://terminology.hl7.org/CodeSystem/v3-ActCode; a physical visit at home uses HH (home health)."
* subject 1..1 MS
* subject only Reference(Patient)
* subject ^short = "The patient, by fødselsnummer, D-nummer or felles hjelpenummer and name"
* insert LogicalPatientReference(subject)
* participant 1..* MS
* participant ^short = "Person or device that took part, and in which mode"
* participant ^comment = "One participant per combination of person or device and mode, with the period it was used in that mode. A person is referenced in individual (logically, e.g. by fødselsnummer); a device is given in the wt-encounter-device extension."
* participant.extension contains WtEncounterDevice named device 0..1 MS
* participant.extension[device] ^short = "Device that took part in this mode"
* participant.type 1..1 MS
* participant.type from https://knutepunkt.dev/fhir/ValueSet/encounter-mode (required)
* participant.type ^short = "Mode of participation (image supervision, two-way speech, listening in…)"
* participant.period MS
* participant.individual MS
* participant.individual only Reference(Practitioner or RelatedPerson)
* participant.individual ^short = "Person who took part, by identifier and name"
* insert LogicalPersonReference(participant.individual)
* period 1..1 MS
* period obeys wt-enc-1
* period ^comment = "Both start and end should be given; when the start is not known a single end time is the encounter's timestamp."
* period.start MS
* period.end MS
* reasonCode 0..1 MS
* reasonCode from https://knutepunkt.dev/fhir/ValueSet/encounter-reason (required)
* reasonCode ^short = "Planned (1) or event-based (2) supervision"
* location MS
* location.location MS
* location.location.display MS
* location.location.display ^short = "Where it took place, \"[room or room number] @ [location name]\""
* location.location.display ^comment = "VKP sends only the display, e.g. \"rom24 @ sykehjem\"."

Profile: WtDigitalSupervision
Parent: WtEncounter
Id: wt-digital-supervision
Title: "Digital supervision (digitalt tilsyn)"
Description: "A digital supervision (digitalt tilsyn) of a patient through welfare technology such as cameras, sensors or two-way speech: a welfare-technology encounter whose class is VR (virtual)."
* class = $ActCode#VR
