// Valid examples of the EPJ-side welfare profiles. All people and organisations are synthetic:
// Test Norge fødselsnumre (month + 80) 05815402814, 06815503587, 07815604320, D-nummer 41858000155,
// felles hjelpenummer 81234500171, organisasjonsnumre 910004115 and 910005480, HER-id 102287.
// Patients are referenced logically (identifier + display), as vendors do with the national hub.

// ---------------------------------------------------------------------------------- pasientinfo

Instance: wt-patient-example
InstanceOf: WtPatient
Usage: #example
Title: "Patient with safety alarm, e-lock and zone"
Description: "A synthetic welfare-technology patient identified by a Test Norge fødselsnummer, with zone, household, an address with e-lock and directions, and an emergency contact."
* extension[zone].valueString = "Oslo|Gamle Oslo|Øst|Kampen"
* extension[household].valueString = "Bor alene. Har katt."
* extension[secretAddress].valueBoolean = false
* identifier[FNR].system = $FNR
* identifier[FNR].value = "05815402814"
* name.family = "Prøvesen"
* name.given = "Kari"
* telecom.system = #email
* telecom.value = "kari.provesen@example.org"
* gender = #female
* birthDate = "1954-01-05"
* address.use = #home
* address.line[0] = "Testveien 1"
* address.line[0].extension[hint].valueString = "Gult hus bak butikken, inngang fra gårdsplassen."
* address.postalCode = "0650"
* address.city = "Oslo"
* address.district = "Oslo"
* address.district.extension[municipalitycode].valueCoding = $Kommunenummer#0301 "Oslo"
* address.country = "NO"
* address.extension[elock].valueString = "Testlås e-lås"
* contact.relationship = $v2-0131#C "Emergency Contact"
* contact.name.family = "Prøvesen"
* contact.name.given = "Per"
* contact.telecom.system = #email
* contact.telecom.value = "per.provesen@example.org"

Instance: wt-patient-example-dnummer
InstanceOf: WtPatient
Usage: #example
Title: "Patient identified by D-nummer, secret address"
Description: "A synthetic patient without fødselsnummer, identified by a D-nummer, whose address is secret."
* extension[secretAddress].valueBoolean = true
* identifier[DNR].system = $DNR
* identifier[DNR].value = "41858000155"
* name.family = "Eksempelsen"
* name.given = "Jonas"
* gender = #male
* birthDate = "1980-05-01"

// ---------------------------------------------------------------------------------- tjenester

Instance: wt-episodeofcare-example
InstanceOf: WtEpisodeOfCare
Usage: #example
Title: "Safety alarm service"
Description: "A synthetic patient's active safety-alarm service (IPLOS 6 and service code TA), managed by a municipal unit identified by organisasjonsnummer."
* identifier.system = "https://epj.example.org/tjeneste"
* identifier.value = "123456789"
* status = #active
* type[iplos] = $IPLOS#6 "Trygghetsalarm"
* type[serviceCode] = $ServiceCode#TA "Trygghetsalarm"
* patient.identifier.system = $FNR
* patient.identifier.value = "05815402814"
* patient.display = "Kari Prøvesen"
* managingOrganization.identifier.system = $ENH
* managingOrganization.identifier.value = "910004115"
* managingOrganization.display = "Testkommune helse og omsorg"
* period.start = "2025-03-12"

// ---------------------------------------------------------------------------------- care plans

Instance: wt-careplan-example
InstanceOf: WtCarePlan
Usage: #example
Title: "Care plan of another kind"
Description: "A synthetic care plan of VKP category 0 (annen type) for a patient identified by felles hjelpenummer, authored by a service identified by HER-id."
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:6b1f0c3e-2a44-4c8e-9d1a-0f3e5b7c9a21"
* status = #active
* intent = #plan
* category[vkp] = $CarePlanCategory#0 "annen type"
* title = "Oppfølging av trygghetsalarm"
* subject.identifier.system = $FHN
* subject.identifier.value = "81234500171"
* subject.display = "Ukjent Testperson"
* period.start = "2025-04-01"
* author.identifier.system = $HERID
* author.identifier.value = "102287"
* author.display = "Sykepleietjeneste, pleie- og omsorg"
* activity.detail.status = #in-progress
* activity.detail.description = "Test av trygghetsalarm hver måned."

Instance: wt-tiltaksplan-example
InstanceOf: WtTiltaksplan
Usage: #example
Title: "Tiltaksplan"
Description: "A synthetic tiltaksplan with one activity detail under each header: Problem/Ressurs, Mål, Tiltak and Evaluering."
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:0d7c4b52-8e0a-4f55-a3c2-5d2b8e6f1c34"
* status = #active
* intent = #plan
* category[vkp] = $CarePlanCategory#1 "behandlingsplan"
* title = "Tiltaksplan"
* subject.identifier.system = $FNR
* subject.identifier.value = "05815402814"
* subject.display = "Kari Prøvesen"
* period.start = "2025-04-01"
* author.identifier.system = $HERID
* author.identifier.value = "102287"
* author.display = "Sykepleietjeneste, pleie- og omsorg"
* activity[0].detail.extension[header].valueString = "Problem/Ressurs"
* activity[0].detail.status = #in-progress
* activity[0].detail.description = "Faller ofte om natten."
* activity[1].detail.extension[header].valueString = "Mål"
* activity[1].detail.status = #in-progress
* activity[1].detail.description = "Trygg i egen bolig."
* activity[2].detail.extension[header].valueString = "Tiltak"
* activity[2].detail.status = #in-progress
* activity[2].detail.description = "Fallsensor på soverommet, varsel til responssenteret."
* activity[3].detail.extension[header].valueString = "Evaluering"
* activity[3].detail.status = #not-started
* activity[3].detail.description = "Evalueres etter tre måneder."

Instance: wt-besoksplan-example
InstanceOf: WtBesoksplan
Usage: #example
Title: "Besøksplan"
Description: "A synthetic visit plan with one completed and one scheduled home-service visit."
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:9a3e2f61-7b4d-4c19-8e05-1f6a2d3b4c58"
* status = #active
* intent = #plan
* category[vkp] = $CarePlanCategory#3 "besoksplan"
* title = "Besøksplan uke 14"
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* period.start = "2025-03-31"
* period.end = "2025-04-06"
* author.identifier.system = $HERID
* author.identifier.value = "102287"
* author.display = "Sykepleietjeneste, pleie- og omsorg"
* activity[0].detail.kind = #Appointment
* activity[0].detail.status = #completed
* activity[0].detail.scheduledPeriod.start = "2025-03-31T08:00:00+02:00"
* activity[0].detail.scheduledPeriod.end = "2025-03-31T08:30:00+02:00"
* activity[0].detail.description = "Morgenstell og medisiner"
* activity[1].detail.kind = #Appointment
* activity[1].detail.status = #scheduled
* activity[1].detail.scheduledPeriod.start = "2025-04-01T08:00:00+02:00"
* activity[1].detail.scheduledPeriod.end = "2025-04-01T08:30:00+02:00"
* activity[1].detail.description = "Morgenstell og medisiner"

Instance: wt-egenbehandlingsplan-example
InstanceOf: WtEgenbehandlingsplan
Usage: #example
Title: "Egenbehandlingsplan"
Description: "A synthetic self-care plan in digital home follow-up: daily blood-pressure measurement."
* identifier.system = "urn:ietf:rfc:3986"
* identifier.value = "urn:uuid:3c5d7e9f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
* status = #active
* intent = #plan
* category[vkp] = $CarePlanCategory#2 "egenbehandlingsplan"
* title = "Egenbehandlingsplan hjertesvikt"
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* period.start = "2025-02-01"
* author.identifier.system = $HERID
* author.identifier.value = "102287"
* author.display = "Sykepleietjeneste, pleie- og omsorg"
* activity.detail.status = #in-progress
* activity.detail.description = "Mål blodtrykk og vekt hver morgen. Kontakt hjemmetjenesten ved vektøkning over 2 kg på tre dager."

// ---------------------------------------------------------------------------------- devices

Instance: wt-device-example
InstanceOf: WtDevice
Usage: #example
Title: "Mobile safety alarm"
Description: "A synthetic mobile safety alarm identified by serial number and IMEI, owned by the municipality and used by a synthetic patient."
* identifier[0].type = $v2-0203#SNO "Serial Number"
* identifier[0].system = "https://vendor.example.org/serienummer"
* identifier[0].value = "TA-2025-000123"
* identifier[1].system = "urn:gsma:imei"
* identifier[1].value = "490154203237518"
* status = #active
* deviceName.name = "Mobil trygghetsalarm"
* deviceName.type = #user-friendly-name
* type.text = "Trygghetsalarm, mobil"
* patient.identifier.system = $FNR
* patient.identifier.value = "05815402814"
* patient.display = "Kari Prøvesen"
* owner.identifier.system = $ENH
* owner.identifier.value = "910004115"
* owner.display = "Testkommune helse og omsorg"

// ---------------------------------------------------------------------------------- måledata

Instance: wt-observation-example
InstanceOf: WtObservation
Usage: #example
Title: "Step count"
Description: "A synthetic daily step count (LOINC 55423-8) from an activity sensor, performed by the patient, with the responsible organisation."
* status = #final
* code.coding[loinc] = $LOINC#55423-8 "Number of steps in unspecified time Pedometer"
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* effectivePeriod.start = "2025-04-01T00:00:00+02:00"
* effectivePeriod.end = "2025-04-02T00:00:00+02:00"
* performer[0].identifier.system = $FNR
* performer[0].identifier.value = "06815503587"
* performer[0].display = "Ola Testmann"
* performer[1].identifier.system = $ENH
* performer[1].identifier.value = "910005480"
* performer[1].display = "Testkommune digital hjemmeoppfølging"
* valueQuantity = $UCUM#{steps}/d "steg/døgn"
* valueQuantity.value = 4210

Instance: wt-blood-glucose-example
InstanceOf: WtBloodGlucose
Usage: #example
Title: "Blood glucose"
Description: "A synthetic blood glucose measurement of 6.3 mmol/L, coded in LOINC, SNOMED CT and NPU."
* status = #final
* category = $ObsCat#laboratory
* code.coding[loinc] = $LOINC#15074-8 "Glucose [Moles/volume] in Blood"
* code.coding[snomed] = $SCT#434912009 "Blood glucose concentration"
* code.coding[npu] = $NPU#NPU02187 "B—Glukose; stoffk. = ? mmol/L"
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* effectiveDateTime = "2025-04-01T07:45:00+02:00"
* performer.identifier.system = $FNR
* performer.identifier.value = "06815503587"
* performer.display = "Ola Testmann"
* valueQuantity = $UCUM#mmol/L "mmol/L"
* valueQuantity.value = 6.3

Instance: wt-news2-example
InstanceOf: WtNews2
Usage: #example
Title: "NEWS2 total score"
Description: "A synthetic NEWS2 total score of 3, measured by a nurse identified by fødselsnummer."
* status = #final
* code.coding[snomed] = $SCT#1104051000000101 "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score"
* subject.identifier.system = $FNR
* subject.identifier.value = "05815402814"
* subject.display = "Kari Prøvesen"
* effectiveDateTime = "2025-04-01T09:10:00+02:00"
* performer.identifier.system = $FNR
* performer.identifier.value = "07815604320"
* performer.display = "Nils Sykepleiersen"
* valueInteger = 3

Instance: wt-blood-pressure-example
InstanceOf: WtBloodPressure
Usage: #example
Title: "Blood pressure"
Description: "A synthetic home blood-pressure measurement of 132/84 mm[Hg] on the left upper arm, by auscultation, with LOINC and SNOMED CT codes."
* status = #final
* category[VSCat] = $ObsCat#vital-signs
* code.coding[BPCode] = $LOINC#85354-9 "Blood pressure panel with all children optional"
* code.coding[snomed] = $SCT#75367002 "Blood pressure"
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* effectiveDateTime = "2025-04-01T07:40:00+02:00"
* performer.identifier.system = $FNR
* performer.identifier.value = "06815503587"
* performer.display = "Ola Testmann"
* bodySite = $SCT#368208006 "Left upper arm"
* method = $SCT#37931006 "Auscultation"
* component[SystolicBP].code.coding[SBPCode] = $LOINC#8480-6 "Systolic blood pressure"
* component[SystolicBP].code.coding[snomed] = $SCT#271649006 "Systolic blood pressure"
* component[SystolicBP].valueQuantity = $UCUM#mm[Hg] "mmHg"
* component[SystolicBP].valueQuantity.value = 132
* component[DiastolicBP].code.coding[DBPCode] = $LOINC#8462-4 "Diastolic blood pressure"
* component[DiastolicBP].code.coding[snomed] = $SCT#271650006 "Diastolic blood pressure"
* component[DiastolicBP].valueQuantity = $UCUM#mm[Hg] "mmHg"
* component[DiastolicBP].valueQuantity.value = 84

Instance: wt-heart-rate-example
InstanceOf: WtHeartRate
Usage: #example
Title: "Heart rate"
Description: "A synthetic heart rate of 72 beats per minute."
* status = #final
* category[VSCat] = $ObsCat#vital-signs
* code.coding[HeartRateCode] = $LOINC#8867-4 "Heart rate"
* code.coding[snomed] = $SCT#364075005 "Heart rate"
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* effectiveDateTime = "2025-04-01T07:40:00+02:00"
* valueQuantity = $UCUM#/min "slag/min"
* valueQuantity.value = 72

Instance: wt-oxygen-saturation-example
InstanceOf: WtOxygenSaturation
Usage: #example
Title: "Oxygen saturation"
Description: "A synthetic oxygen saturation of 96 %."
* status = #final
* category[VSCat] = $ObsCat#vital-signs
* code.coding[OxygenSatCode] = $LOINC#2708-6 "Oxygen saturation in Arterial blood"
* code.coding[snomed] = $SCT#431314004 "Peripheral oxygen saturation"
* subject.identifier.system = $FNR
* subject.identifier.value = "05815402814"
* subject.display = "Kari Prøvesen"
* effectiveDateTime = "2025-04-01T09:05:00+02:00"
* valueQuantity = $UCUM#% "%"
* valueQuantity.value = 96

Instance: wt-body-temperature-example
InstanceOf: WtBodyTemperature
Usage: #example
Title: "Body temperature"
Description: "A synthetic body temperature of 37.2 °C."
* status = #final
* category[VSCat] = $ObsCat#vital-signs
* code.coding[BodyTempCode] = $LOINC#8310-5 "Body temperature"
* code.coding[snomed] = $SCT#276885007 "Core body temperature"
* subject.identifier.system = $FNR
* subject.identifier.value = "05815402814"
* subject.display = "Kari Prøvesen"
* effectiveDateTime = "2025-04-01T09:05:00+02:00"
* valueQuantity = $UCUM#Cel "°C"
* valueQuantity.value = 37.2

Instance: wt-body-weight-example
InstanceOf: WtBodyWeight
Usage: #example
Title: "Body weight"
Description: "A synthetic body weight of 81.4 kg from a connected scale."
* status = #final
* category[VSCat] = $ObsCat#vital-signs
* code.coding[BodyWeightCode] = $LOINC#29463-7 "Body weight"
* code.coding[snomed] = $SCT#27113001 "Body weight"
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* effectiveDateTime = "2025-04-01T07:35:00+02:00"
* valueQuantity = $UCUM#kg "kg"
* valueQuantity.value = 81.4

Instance: wt-respiratory-rate-example
InstanceOf: WtRespiratoryRate
Usage: #example
Title: "Respiratory rate"
Description: "A synthetic respiratory rate of 16 breaths per minute."
* status = #final
* category[VSCat] = $ObsCat#vital-signs
* code.coding[RespRateCode] = $LOINC#9279-1 "Respiratory rate"
* code.coding[snomed] = $SCT#86290005 "Respiratory rate"
* subject.identifier.system = $FNR
* subject.identifier.value = "05815402814"
* subject.display = "Kari Prøvesen"
* effectiveDateTime = "2025-04-01T09:05:00+02:00"
* valueQuantity = $UCUM#/min "pust/min"
* valueQuantity.value = 16

// ---------------------------------------------------------------------------------- skjemabesvarelse

Instance: wt-questionnaireresponse-example
InstanceOf: WtQuestionnaireResponse
Usage: #example
Title: "Questionnaire response"
Description: "A synthetic patient's completed daily symptom questionnaire in digital home follow-up."
* questionnaire = "https://dho.example.org/fhir/Questionnaire/daglig-symptomskjema"
* questionnaire.extension[questionnaireDisplay].valueString = "Daglig symptomskjema"
* status = #completed
* subject.identifier.system = $FNR
* subject.identifier.value = "06815503587"
* subject.display = "Ola Testmann"
* authored = "2025-04-01T08:02:00+02:00"
* author.identifier.system = $FNR
* author.identifier.value = "06815503587"
* author.display = "Ola Testmann"
* item[0].linkId = "1"
* item[0].text = "Har du vært mer tungpusten enn vanlig det siste døgnet?"
* item[0].answer.valueBoolean = false
* item[1].linkId = "2"
* item[1].text = "Hvor mange puter sov du med i natt?"
* item[1].answer.valueInteger = 2
