// The code systems of the national welfare-technology hub (VKP, version 0.9.0), kept at their
// official URIs so that the codes vendors send today validate unchanged. Codes and displays
// follow docs/domain.md §3 (HL7Norway/Velferdsteknologi, VKP-R4/CodeSystem). Dotted codes form
// a hierarchy: 1.1 is a kind of 1, 5.2.1 a kind of 5.2.

RuleSet: VkpCodeSystem
* ^status = #active
* ^experimental = false
* ^content = #complete
* ^caseSensitive = true
* ^version = "0.9.0"
* ^publisher = "Direktoratet for e-helse"

CodeSystem: VkpAlertCode
Id: vkp-alert-code
Title: "VKP alert code (varselkode)"
Description: "What an alert (varsel) from welfare technology is about: the service it comes from (medication dispenser, localisation, safety alarm, digital supervision, digital home follow-up, electronic door lock, nurse call) and, below it, the specific event. Used as DetectedIssue.code. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-alert-code-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090"
* insert VkpCodeSystem
* ^hierarchyMeaning = #is-a
* #1 "Elektronisk medisineringsstøtte"
* #1 #1.1 "Ikke utlevert"
* #1 #1.2 "Utlevering forhindret av medisinmangel"
* #1 #1.3 "Mangler utleveringsbekreftelse"
* #1 #1.4 "Melding ikke lest"
* #1 #1.5 "Teknisk feil"
* #1 #1.6 "Pose ikke lest"
* #1 #1.7 "Feil ved rull"
* #1 #1.8 "Rull sitter fast"
* #1 #1.9 "Full skuff"
* #1 #1.10 "Medisin venter"
* #1 #1.11 "Mangler tilstrekkelig mengde medisin"
* #1 #1.12 "Snart tomt for medisin"
* #1 #1.13 "Tomt for medisin"
* #1 #1.14 "Mangler tidsplan"
* #1 #1.15 "Endringskontroll av medisinplan"
* #1 #1.16 "Rull behandlet"
* #1 #1.17 "Batteri lavt"
* #1 #1.18 "Batteri tomt"
* #1 #1.19 "Ikke tilkoblet strøm"
* #1 #1.20 "Ingen kontakt"
* #1 #1.21 "Dispenser åpen"
* #1 #1.22 "Innbrudd"
* #1 #1.23 "Dosett feilplassert"
* #2 "Lokaliseringsteknologi (GPS)"
* #3 "Trygghetsalarm"
* #4 "Digitalt tilsyn"
* #4 #4.1 "Fall"
* #4 #4.2 "Forlatt sengen"
* #4 #4.3 "Satt seg opp seng"
* #4 #4.4 "Reist seg fra stol"
* #4 #4.5 "Kommet inn rom"
* #4 #4.6 "Forlatt rom"
* #4 #4.7 "Uventet langt opphold"
* #4 #4.8 "Aktivitet rom"
* #4 #4.9 "Inaktivitet"
* #4 #4.10 "Høyt lydnivå"
* #4 #4.11 "Brannalarm"
* #4 #4.12 "Fravær"
* #4 #4.13 "Knappetrykk"
* #4 #4.14 "Snortrekk"
* #4 #4.15 "Dør åpnet"
* #4 #4.16 "Dør lukket"
* #4 #4.17 "Vannalarm"
* #4 #4.18 "Bevegelse"
* #4 #4.19 "Manglende bevegelse"
* #4 #4.20 "Lagt seg seng"
* #4 #4.21 "Forlatt bolig"
* #4 #4.22 "Mislykket brukeranrop"
* #4 #4.23 "Inaktivitet bad"
* #4 #4.24 "Epilepsi"
* #4 #4.25 "Hendelsesbasert kameratilsyn"
* #4 #4.26 "Planlagt kameratilsyn"
* #5 "Digital hjemmeoppfølging"
* #5 #5.1 "Oppsummerende varsel"
* #5 #5.2 "Handling utført"
* #5 #5.2 #5.2.1 "Måledata rapportert"
* #5 #5.2 #5.2.2 "Skjemabesvarelse"
* #5 #5.2 #5.2.3 "Annen handling utført"
* #5 #5.3 "Inaktiv pasient"
* #5 #5.3 #5.3.1 "Manglende skjemabesvarelse"
* #5 #5.3 #5.3.2 "Måling ikke rapportert"
* #6 "Elektronisk dørlås"
* #7 "Sykesignalanlegg"
* #7 #7.1 "Inkontinens"

CodeSystem: VkpMedicationDispenseEvents
Id: vkp-medicationdispense-events
Title: "VKP medication dispenser events"
Description: "The kind of successful dispense a home medication dispenser reports: ordinary dispense (unassisted, assisted, as-needed medicine), dispense ahead of travel, and a message to the user that was acknowledged. Used as MedicationDispense.category; failed or prevented dispenses are alerts (VKP alert code 1.x) instead. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-medicationdispense-events-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090"
* insert VkpCodeSystem
* ^hierarchyMeaning = #is-a
* #1 "medisin utlevert" "Medisin ble utlevert."
* #1 #1.1 "medisin utlevert uassistert" "Medisin ble utlevert uten assistanse."
* #1 #1.2 "medisin utlevert assistert" "Medisin ble utlevert med assistanse."
* #1 #1.3 "behovsmedisin utlevert" "Behovsmedisin ble utlevert."
* #2 "medisin utlevert reise" "Forhåndsutmating av medisin før reise."
* #2 #2.1 "medisin utlevert reise uassistert" "Forhåndsutmating av medisin uten assistanse."
* #2 #2.2 "medisin utlevert reise assistert" "Forhåndsutmating av medisin med assistanse."
* #3 "medisin melding til bruker" "Melding til bruker ble kvittert ut."

CodeSystem: VkpCompositionCategory
Id: vkp-composition-category
Title: "VKP composition category"
Description: "The service area a journal note (Composition) from welfare technology belongs to. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-composition-category-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090"
* insert VkpCodeSystem
* #1 "Trygghet og mestring"
* #2 "Digital hjemmeoppfølging"

CodeSystem: VkpCompositionEvent
Id: vkp-composition-event
Title: "VKP composition event (response-centre handling step)"
Description: "The steps a response centre goes through while handling an alert, recorded as Composition.event.code of the handling log. There is no code 2. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-composition-event-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090"
* insert VkpCodeSystem
* #0 "hendelse meldt" "Hendelsen ble registrert."
* #1 "hendelse behandles" "Behandling av hendelsen er påbegynt."
* #3 "hendelse kvittert" "Hendelsen ble kvittert ut."
* #4 "hendelse til utrykning" "Ansvaret for hendelsen ble overført til utrykning."
* #5 "hendelse ok utrykning" "Utrykningen aksepterte ansvaret for hendelsen."
* #6 "årsak" "Årsak til hendelsen."
* #7 "tiltak" "Tiltak som ble satt i verk."
* #8 "samtale" "Samtaler startet fra responsløsningen."
* #9 "aksjon" "Utrykning eller overføring til hjemmetjenesten."
* #10 "annen aktør" "En annen aktør var involvert."

CodeSystem: VkpCompositionSection
Id: vkp-composition-section
Title: "VKP composition section"
Description: "The kinds of text section in a journal note from welfare technology: a note (describing the follow-up of an alarm, the event itself, or a comment such as on a single home measurement) or system-generated summary text. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-composition-section-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-composition-section-v090"
* insert VkpCodeSystem
* ^hierarchyMeaning = #is-a
* #1 "notat"
* #1 #1.1 "beskrivelse av oppfølging" "Beskrivelse av oppfølgingen av en alarm."
* #1 #1.2 "beskrivelse av hendelse"
* #1 #1.3 "kommentar" "Kommentar, for eksempel til en enkelt måling i digital hjemmeoppfølging."
* #2 "sammenstilt tekst" "Tekst sammenstilt av systemet."

CodeSystem: VkpEncounterReason
Id: vkp-encounter-reason
Title: "VKP encounter reason"
Description: "Why a (digital) supervision took place: planned or triggered by an event. Used as Encounter.reasonCode. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-encounter-reason-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090"
* insert VkpCodeSystem
* #1 "planlagt tilsyn"
* #2 "hendelsesbasert tilsyn"

CodeSystem: VkpEncounterMode
Id: vkp-encounter-mode
Title: "VKP encounter mode (supervision mode)"
Description: "How a device took part in a digital supervision: image-based (anonymised or not), two-way speech, or listening in (anonymised or not). Used as Encounter.participant.type. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-encounter-mode-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-encounter-mode-v090"
* insert VkpCodeSystem
* #0 "bildetilsyn anonymisert"
* #1 "bildetilsyn"
* #2 "toveis tale"
* #3 "innlytt anonymisert"
* #4 "innlytt"

CodeSystem: VkpEncounterClass
Id: vkp-encounter-class
Title: "VKP encounter class"
Description: "The older VKP coding of supervision modes, with the same codes as the encounter mode code system and displays written with underscores. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-encounter-class-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-encounter-class-v090"
* insert VkpCodeSystem
* #0 "bildetilsyn_anonymisert" "Anonymisert bildebasert tilsyn."
* #1 "bildetilsyn" "Bildebasert tilsyn."
* #2 "toveis_tale" "Toveis tale."
* #3 "innlytt_anonymisert" "Anonymisert innlytt."
* #4 "innlytt" "Innlytt."

CodeSystem: VkpCarePlanCategory
Id: vkp-careplan-category
Title: "VKP care plan category"
Description: "The kind of plan a CarePlan from the municipal health record is: treatment plan, self-management plan, visit plan (besøksplan) or another kind. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-careplan-category-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-careplan-category-v090"
* insert VkpCodeSystem
* #0 "annen type"
* #1 "behandlingsplan"
* #2 "egenbehandlingsplan"
* #3 "besoksplan"

CodeSystem: VkpSeverityLevel
Id: vkp-severity-level
Title: "VKP severity level"
Description: "How serious an alert is, from not reported (0) to critical (40). Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-severity-level-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090"
* insert VkpCodeSystem
* #0 "Ikke rapportert"
* #10 "Normal"
* #20 "Moderat"
* #30 "Alvorlig"
* #40 "Kritisk"

CodeSystem: VkpMessageEvent
Id: vkp-message-event
Title: "VKP message event"
Description: "The events of the legacy message-based VKP exchange (MessageHeader.event), kept so that older message bundles can be read. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-message-event-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-message-event-v090"
* insert VkpCodeSystem
* #MedicationDispense "MedicationDispense" "A medication dispenser event."
* #LocationMeasurement "LocationMeasurement" "A location measurement."
* #CameraObservation "CameraObservation" "A camera-based observation."
* #PatientComposition "PatientComposition" "A journal note about a patient."

CodeSystem: VkpOperationOutcome
Id: vkp-operation-outcome
Title: "VKP operation outcome detail"
Description: "Why the hub refused or failed a request: forbidden (for example no active service for the patient, the 'tjenstlig behov' check), invalid data (for example an invalid personal identifier), or another error. Used as OperationOutcome.issue.details. Each definition carries the hub's English error name. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-operation-outcome-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090"
* insert VkpCodeSystem
* ^hierarchyMeaning = #is-a
* #1 "forbudt" "Forbidden"
* #1 #1.1 "ikke aktiv" "NotActive"
* #1 #1.2 "ikke tillatt" "NotAllowed"
* #1 #1.3 "ikke oppfylt tjenstlig behov" "MissingActiveService"
* #1 #1.4 "ikke tilgang" "NoAccess"
* #1 #1.5 "ikke tilgang" "NotAuthorized"
* #2 "ugyldige data" "Invalid"
* #2 #2.1 "ugyldig personidentifikator" "InvalidSsn"
* #2 #2.2 "ugyldig systemidentifikator" "InvalidOrg"
* #2 #2.3 "ugyldig antall parametere" "InvalidParameterCount"
* #2 #2.4 "ugyldig format" "InvalidFormat"
* #3 "annen feil" "Other"
* #3 #3.1 "time out" "TimedOut"

CodeSystem: VkpTriage
Id: vkp-triage
Title: "VKP triage colour"
Description: "The urgency of an alert as a triage colour, from red (immediate) to blue (not urgent), black (expectant) and not reported. Displays are the official English colour names; each definition gives the Norwegian colour and the urgency. Official URI of the VKP code system, version 0.9.0; the official value set is http://ehelse.no/fhir/ValueSet/vkp-triage-v090."
* ^url = "http://ehelse.no/fhir/CodeSystem/vkp-triage-v090"
* insert VkpCodeSystem
* #R "red" "Rød – umiddelbart (immediate)."
* #O "orange" "Oransje – svært haster (very urgent)."
* #Y "yellow" "Gul – haster (urgent)."
* #G "green" "Grønn – standard (standard)."
* #B "blue" "Blå – haster ikke (non urgent)."
* #BL "black" "Svart – forventende (expectant)."
* #NR "not reported" "Ikke rapportert / ikke vurdert (not reported, not rated)."
