// Examples of the event-side welfare profiles. Synthetic identities only (Test Norge style, month
// + 80, valid control digits): patients 08815704976, 02815100762 and D-nummer 41858000074,
// operator 09815805639, organisation 910000004. Patients and persons are referenced logically
// (identifier + display), as vendors do with the national welfare-technology hub.

// ---------------------------------------------------------------------------------------------
// Varsel: a fall detected by a room sensor

Instance: wt-detectedissue-example
InstanceOf: WtDetectedIssue
Title: "Alarm: fall detected by a room sensor"
Description: "A digital-supervision sensor reports that the patient has fallen (alert code 4.1), with high severity shown as red."
Usage: #example
* status = #final
* code = $AlertCode#4.1 "Fall"
* severity = #high
* patient.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* patient.identifier.value = "08815704976"
* patient.display = "Kari Testesen"
* identifiedDateTime = "2026-03-14T02:17:45+01:00"
* author.type = "Device"
* author.identifier.system = "https://vendor.example/serialnumber"
* author.identifier.value = "RM004711"
* author.display = "Roommate sensor"
* detail = "rød"

// ---------------------------------------------------------------------------------------------
// Tilsyn: the response centre's follow-up of the fall alarm over the safety alarm's speaker

Instance: wt-encounter-example
InstanceOf: WtEncounter
Title: "Encounter: response centre follows up a fall alarm"
Description: "An event-based supervision: a response-centre operator talks to the patient over the safety alarm's two-way speech after a fall alarm. The operator is a participant by fødselsnummer; the safety alarm is a participant given in the wt-encounter-device extension."
Usage: #example
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:5b0b9f3e-6a43-4c55-9d0e-2f5f1f0c8a11"
* status = #finished
* class = $ActCode#VR "virtual"
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* subject.identifier.value = "08815704976"
* subject.display = "Kari Testesen"
* participant[0].type = $EncounterMode#2 "toveis tale"
* participant[0].period.start = "2026-03-14T02:18:10+01:00"
* participant[0].period.end = "2026-03-14T02:24:55+01:00"
* participant[0].individual.type = "Practitioner"
* participant[0].individual.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* participant[0].individual.identifier.value = "09815805639"
* participant[0].individual.display = "Ola Operatør"
* participant[1].type = $EncounterMode#2 "toveis tale"
* participant[1].period.start = "2026-03-14T02:18:10+01:00"
* participant[1].period.end = "2026-03-14T02:24:55+01:00"
* participant[1].extension[device].extension[identifier].valueString = "TA0099123"
* participant[1].extension[device].extension[displayName].valueString = "Trygghetsalarm stue"
* participant[1].extension[device].extension[type].valueString = "Trygghetsalarm"
* participant[1].extension[device].extension[location].valueString = "stue"
* period.start = "2026-03-14T02:18:10+01:00"
* period.end = "2026-03-14T02:24:55+01:00"
* reasonCode = $EncounterReason#2 "hendelsesbasert tilsyn"
* location.location.display = "stue @ Testveien 1"

// ---------------------------------------------------------------------------------------------
// Digitalt tilsyn: a planned night-time camera supervision

Instance: wt-digital-supervision-example
InstanceOf: WtDigitalSupervision
Title: "Digital supervision: planned night-time camera check"
Description: "A planned digital supervision at night: the operator looks in through an anonymised camera image. The camera is given with the official VKP part names of the device extension (deviceIdentifier, display)."
Usage: #example
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:0e6f5d2c-1f0b-4b8e-9a51-7c3d2a9e4b60"
* status = #finished
* class = $ActCode#VR "virtual"
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* subject.identifier.value = "08815704976"
* subject.display = "Kari Testesen"
* participant[0].type = $EncounterMode#0 "bildetilsyn anonymisert"
* participant[0].period.start = "2026-03-14T01:00:00+01:00"
* participant[0].period.end = "2026-03-14T01:00:40+01:00"
* participant[0].individual.type = "Practitioner"
* participant[0].individual.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* participant[0].individual.identifier.value = "09815805639"
* participant[0].individual.display = "Ola Operatør"
* participant[1].type = $EncounterMode#0 "bildetilsyn anonymisert"
* participant[1].period.start = "2026-03-14T01:00:00+01:00"
* participant[1].period.end = "2026-03-14T01:00:40+01:00"
* participant[1].extension[device].extension[deviceIdentifier].valueIdentifier.system = "https://vendor.example/serialnumber"
* participant[1].extension[device].extension[deviceIdentifier].valueIdentifier.value = "CAM000217"
* participant[1].extension[device].extension[display].valueString = "Kamera soverom"
* participant[1].extension[device].extension[type].valueString = "Roommate"
* participant[1].extension[device].extension[location].valueString = "soverom"
* period.start = "2026-03-14T01:00:00+01:00"
* period.end = "2026-03-14T01:00:40+01:00"
* reasonCode = $EncounterReason#1 "planlagt tilsyn"
* location.location.display = "soverom @ Testveien 1"

// ---------------------------------------------------------------------------------------------
// Notat: the operator's note about the fall alarm

Instance: wt-communication-example
InstanceOf: WtCommunication
Title: "Note: operator's note on a fall alarm"
Description: "A response-centre operator's note for the patient's record about the fall alarm it refers to."
Usage: #example
* status = #completed
* category = http://terminology.hl7.org/CodeSystem/communication-category#notification
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* subject.identifier.value = "08815704976"
* subject.display = "Kari Testesen"
* about = Reference(wt-detectedissue-example)
* sent = "2026-03-14T02:26:30+01:00"
* sender.type = "Practitioner"
* sender.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* sender.identifier.value = "09815805639"
* sender.display = "Ola Operatør"
* payload.contentString = "Snakket med pasienten via trygghetsalarmen etter fallalarm. Pasienten var uskadd og kom seg opp selv. Hjemmetjenesten er bedt om å se til pasienten i morgen tidlig."

// ---------------------------------------------------------------------------------------------
// Behandlingslogg: the response centre's handling log of the fall alarm

Instance: wt-composition-example
InstanceOf: WtComposition
Title: "Handling log: fall alarm"
Description: "The response centre's handling log of the fall alarm: reported, being handled, acknowledged, with a description of the follow-up."
Usage: #example
* status = #final
* type = $LOINC#34133-9 "Summary of episode note"
* category[vkp] = $CompositionCategory#1 "Trygghet og mestring"
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* subject.identifier.value = "08815704976"
* subject.display = "Kari Testesen"
* date = "2026-03-14T02:26:30+01:00"
* author.type = "Practitioner"
* author.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* author.identifier.value = "09815805639"
* author.display = "Ola Operatør"
* title = "Behandlingslogg: fallalarm"
* custodian.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.101"
* custodian.identifier.value = "910000004"
* custodian.display = "Testkommune responssenter"
* event[0].code = $CompositionEvent#0 "hendelse meldt"
* event[0].period.start = "2026-03-14T02:17:45+01:00"
* event[0].detail = Reference(wt-detectedissue-example)
* event[1].code = $CompositionEvent#1 "hendelse behandles"
* event[1].period.start = "2026-03-14T02:18:10+01:00"
* event[2].code = $CompositionEvent#3 "hendelse kvittert"
* event[2].period.start = "2026-03-14T02:25:02+01:00"
* section[0].title = "Beskrivelse av oppfølging"
* section[0].code = $CompositionSection#1.1 "beskrivelse av oppfølging"
* section[0].text.status = #additional
* section[0].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Snakket med pasienten via trygghetsalarmen. Pasienten var uskadd og kom seg opp selv. Hjemmetjenesten varslet.</p></div>"

// ---------------------------------------------------------------------------------------------
// Medisindispenser: an ordinary dose, and a dispense ahead of travel

Instance: wt-medicationdispense-example
InstanceOf: WtMedicationDispense
Title: "Dispense: morning dose handed out"
Description: "A home medicine dispenser hands out the morning dose without assistance (category 1.1)."
Usage: #example
* extension[device].extension[identifier].valueString = "PP000533"
* extension[device].extension[displayName].valueString = "Medisindispenser kjøkken"
* extension[device].extension[type].valueString = "Pill dispenser"
* extension[device].extension[location].valueString = "kjøkken"
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:9a1c3b57-42d6-4e0f-8b7a-3c5e9d1f2a84"
* status = #completed
* category = $DispenseEvents#1.1 "medisin utlevert uassistert"
* medicationCodeableConcept.text = "Ukjent medisin"
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* subject.identifier.value = "02815100762"
* subject.display = "Per Testesen"
* performer[0].actor.type = "Device"
* performer[0].actor.identifier.system = "https://vendor.example/serialnumber"
* performer[0].actor.identifier.value = "PP000533"
* performer[0].actor.display = "Multidosedispenser"
* whenHandedOver = "2026-03-14T08:00:12+01:00"

Instance: wt-medicationdispense-travel-example
InstanceOf: WtMedicationDispense
Title: "Dispense: doses handed out ahead of travel"
Description: "A dispenser hands out three days of doses ahead of a journey, unassisted (category 2.1); the dispenser's text says which doses (invariant wt-md-1). The patient has a D-nummer."
Usage: #example
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:c2f8e4a1-7b3d-4f6e-a915-0d8b6c4e2f17"
* status = #completed
* category = $DispenseEvents#2.1 "medisin utlevert reise uassistert"
* medicationCodeableConcept.text = "Ukjent medisin"
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.2"
* subject.identifier.value = "41858000074"
* subject.display = "Anna Testdottir"
* performer[0].actor.type = "Device"
* performer[0].actor.identifier.system = "https://vendor.example/serialnumber"
* performer[0].actor.identifier.value = "PP000871"
* performer[0].actor.display = "Multidosedispenser"
* whenHandedOver = "2026-06-20T17:45:00+02:00"
* dosageInstruction.text = "6 doser medisin ble matet ut for bruk på reise. Første dose: 21/6 kl. 08:00. Siste dose: 23/6 kl. 19:00."

// ---------------------------------------------------------------------------------------------
// Alarm event bundle: a dose not dispensed, its follow-up and the handling log

Instance: wt-alarm-event-bundle-example
InstanceOf: WtAlarmEventBundle
Title: "Alarm event: dose not dispensed"
Description: "A response centre reports an alarm from a medicine dispenser (1.1 dose not dispensed) together with its follow-up by two-way speech and the handling log, as one collection."
Usage: #example
* identifier.system = "https://vendor.example/bundle-identifier"
* identifier.value = "7d4e2b91-3c8a-4f51-b6e0-9a2d5c1f8e33"
* type = #collection
* timestamp = "2026-03-14T08:41:07+01:00"
* entry[alarm].fullUrl = "urn:uuid:3f9a6c2e-8d41-4b7a-9e05-1c6d2b8f4a70"
* entry[alarm].resource = wt-alarm-event-bundle-example-alarm
* entry[followUp].fullUrl = "urn:uuid:a84d1e6f-2b9c-4d3e-8f70-5e1b9c2a6d48"
* entry[followUp].resource = wt-alarm-event-bundle-example-followup
* entry[log].fullUrl = "urn:uuid:e5b27c90-4f1d-4a68-93c2-7d0a8e6b1f25"
* entry[log].resource = wt-alarm-event-bundle-example-log

Instance: wt-alarm-event-bundle-example-alarm
InstanceOf: WtDetectedIssue
Title: "Alarm event: the alarm"
Description: "The dispenser's alarm: the 08:00 dose was not dispensed."
Usage: #inline
* status = #final
* code = $AlertCode#1.1 "Ikke utlevert"
* severity = #moderate
* patient.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* patient.identifier.value = "02815100762"
* patient.display = "Per Testesen"
* identifiedDateTime = "2026-03-14T08:30:00+01:00"
* author.type = "Device"
* author.identifier.system = "https://vendor.example/serialnumber"
* author.identifier.value = "PP000533"
* author.display = "Multidosedispenser"
* detail = "gul"

Instance: wt-alarm-event-bundle-example-followup
InstanceOf: WtEncounter
Title: "Alarm event: the follow-up"
Description: "The operator calls the patient over the dispenser's speaker about the missed dose."
Usage: #inline
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:a84d1e6f-2b9c-4d3e-8f70-5e1b9c2a6d48"
* status = #finished
* class = $ActCode#VR "virtual"
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* subject.identifier.value = "02815100762"
* subject.display = "Per Testesen"
* participant[0].type = $EncounterMode#2 "toveis tale"
* participant[0].individual.type = "Practitioner"
* participant[0].individual.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* participant[0].individual.identifier.value = "09815805639"
* participant[0].individual.display = "Ola Operatør"
* period.start = "2026-03-14T08:32:40+01:00"
* period.end = "2026-03-14T08:36:05+01:00"
* reasonCode = $EncounterReason#2 "hendelsesbasert tilsyn"

Instance: wt-alarm-event-bundle-example-log
InstanceOf: WtComposition
Title: "Alarm event: the handling log"
Description: "The handling log of the missed-dose alarm."
Usage: #inline
* status = #final
* type = $LOINC#34133-9 "Summary of episode note"
* category[vkp] = $CompositionCategory#1 "Trygghet og mestring"
* subject.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* subject.identifier.value = "02815100762"
* subject.display = "Per Testesen"
* date = "2026-03-14T08:40:00+01:00"
* author.type = "Practitioner"
* author.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.1"
* author.identifier.value = "09815805639"
* author.display = "Ola Operatør"
* title = "Behandlingslogg: medisin ikke utlevert"
* event[0].code = $CompositionEvent#0 "hendelse meldt"
* event[0].period.start = "2026-03-14T08:30:00+01:00"
* event[0].detail.reference = "urn:uuid:3f9a6c2e-8d41-4b7a-9e05-1c6d2b8f4a70"
* event[1].code = $CompositionEvent#3 "hendelse kvittert"
* event[1].period.start = "2026-03-14T08:39:30+01:00"
* section[0].title = "Beskrivelse av oppfølging"
* section[0].code = $CompositionSection#1.1 "beskrivelse av oppfølging"
* section[0].text.status = #additional
* section[0].text.div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Ringte pasienten via dispenseren. Pasienten hadde glemt å ta ut morgendosen og tok den mens vi snakket. Kvittert ut.</p></div>"
