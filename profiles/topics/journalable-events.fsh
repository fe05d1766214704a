// The hub's journalable events as subscription topics: what a patient-record system (EPJ) subscribes
// to so that it journals new and changed alarms, supervision encounters, notes, dispenses,
// measurements and questionnaire responses without polling. See rulesets.fsh for the shape.

Instance: topic-alarm
InstanceOf: Basic
Usage: #definition
Title: "Topic: alarms (varsler)"
Description: "New or changed welfare-technology alarms."
* insert Topic(alarm, AlarmTopic, Alarms (varsler\))
* insert FilterByMunicipality
* insert TopicDescription(An alarm (varsel\) raised by welfare technology or a response centre was registered or changed: a DetectedIssue. Filter by patient (for example `patient:identifier=urn:oid:2.16.578.1.12.4.1.4.1|<fødselsnummer>`\) or by alert code.)
* insert CreatedOrChanged(DetectedIssue, An alarm was registered or changed.)
* insert FilterBy(DetectedIssue, patient, The patient the alarm is about: a literal reference or `:identifier`.)
* insert FilterBy(DetectedIssue, code, The alert code (VKP alert-code system\).)
* insert Shape(DetectedIssue)

Instance: topic-supervision
InstanceOf: Basic
Usage: #definition
Title: "Topic: supervision encounters (tilsyn)"
Description: "New or changed supervision and alarm follow-up encounters."
* insert Topic(supervision, SupervisionTopic, Supervision encounters (tilsyn\))
* insert FilterByMunicipality
* insert TopicDescription(A digital supervision (digitalt tilsyn\) or an alarm follow-up was registered or changed: an Encounter. Filter by patient\, type\, class or status.)
* insert CreatedOrChanged(Encounter, A supervision or follow-up encounter was registered or changed.)
* insert FilterBy(Encounter, patient, The patient supervised.)
* insert FilterBy(Encounter, type, The kind of encounter.)
* insert FilterBy(Encounter, class, The encounter class (for example virtual\).)
* insert FilterBy(Encounter, status, The encounter status (for example finished\).)
* insert Shape(Encounter)

Instance: topic-note
InstanceOf: Basic
Usage: #definition
Title: "Topic: notes and handling logs (notater)"
Description: "New or changed notes and handling logs."
* insert Topic(note, NoteTopic, Notes and handling logs (notater\))
* insert FilterByMunicipality
* insert TopicDescription(A note for the patient's record or a response centre's handling log (behandlingslogg\) was registered or changed: a Composition or a Communication. Filter by patient or category.)
* insert CreatedOrChanged(Composition, A handling log or note was registered or changed.)
* insert CreatedOrChanged(Communication, A note was registered or changed.)
* insert FilterBy(Composition, patient, The patient the log or note is about.)
* insert FilterBy(Composition, category, The composition category (VKP: Trygghet og mestring\, Digital hjemmeoppfølging\).)
* insert FilterBy(Composition, type, The kind of document.)
* insert FilterBy(Communication, patient, The patient the note is about.)
* insert FilterBy(Communication, category, The note category.)
* insert Shape(Composition)
* insert Shape(Communication)

Instance: topic-medication-dispense
InstanceOf: Basic
Usage: #definition
Title: "Topic: medicine dispenser events"
Description: "New or changed medicine dispenser events."
* insert Topic(medication-dispense, MedicationDispenseTopic, Medicine dispenser events)
* insert FilterByMunicipality
* insert TopicDescription(A medicine dispenser reported a dose dispensed\, taken or missed: a MedicationDispense. Filter by patient\, medication code or status.)
* insert CreatedOrChanged(MedicationDispense, A dispenser event was registered or changed.)
* insert FilterBy(MedicationDispense, patient, The patient the dose was for.)
* insert FilterBy(MedicationDispense, code, The medication code.)
* insert FilterBy(MedicationDispense, status, The dispense status (for example completed or declined\).)
* insert Shape(MedicationDispense)

Instance: topic-measurement
InstanceOf: Basic
Usage: #definition
Title: "Topic: measurements (måledata)"
Description: "New or changed measurements from welfare technology and digital home follow-up."
* insert Topic(measurement, MeasurementTopic, Measurements (måledata\))
* insert FilterByMunicipality
* insert TopicDescription(A measurement from welfare technology or digital home follow-up was registered or changed: an Observation. Filter by patient\, code (LOINC\, SNOMED CT\, NPU\) or category.)
* insert CreatedOrChanged(Observation, A measurement was registered or changed.)
* insert FilterBy(Observation, patient, The patient measured.)
* insert FilterBy(Observation, code, What was measured.)
* insert FilterBy(Observation, category, The observation category (for example vital-signs\).)
* insert Shape(Observation)

Instance: topic-questionnaire-response
InstanceOf: Basic
Usage: #definition
Title: "Topic: questionnaire responses"
Description: "New or changed questionnaire responses from digital home follow-up."
* insert Topic(questionnaire-response, QuestionnaireResponseTopic, Questionnaire responses)
* insert FilterByMunicipality
* insert TopicDescription(A patient answered a questionnaire in digital home follow-up\, or an answer changed: a QuestionnaireResponse. Filter by patient or questionnaire.)
* insert CreatedOrChanged(QuestionnaireResponse, A questionnaire response was registered or changed.)
* insert FilterBy(QuestionnaireResponse, patient, The patient who answered.)
* insert FilterBy(QuestionnaireResponse, questionnaire, The questionnaire answered.)
* insert Shape(QuestionnaireResponse)

Instance: topic-journalable-event
InstanceOf: Basic
Usage: #definition
Title: "Topic: every journalable event"
Description: "Every new or changed journalable event, of all kinds."
* insert Topic(journalable-event, JournalableEventTopic, Every journalable event)
* insert FilterByMunicipality
* insert TopicDescription(Any journalable event was registered or changed: an alarm\, a supervision encounter\, a note or handling log\, a dispenser event\, a measurement or a questionnaire response. The topic for a patient-record system that journals everything of its patients; filter by patient\, per resource type (`DetectedIssue?patient=…`\) or for every type at once (`patient:identifier=…`\).)
* insert CreatedOrChanged(DetectedIssue, An alarm was registered or changed.)
* insert CreatedOrChanged(Encounter, A supervision or follow-up encounter was registered or changed.)
* insert CreatedOrChanged(Composition, A handling log or note was registered or changed.)
* insert CreatedOrChanged(Communication, A note was registered or changed.)
* insert CreatedOrChanged(MedicationDispense, A dispenser event was registered or changed.)
* insert CreatedOrChanged(Observation, A measurement was registered or changed.)
* insert CreatedOrChanged(QuestionnaireResponse, A questionnaire response was registered or changed.)
* insert FilterBy(DetectedIssue, patient, The patient the alarm is about.)
* insert FilterBy(Encounter, patient, The patient supervised.)
* insert FilterBy(Composition, patient, The patient the log or note is about.)
* insert FilterBy(Communication, patient, The patient the note is about.)
* insert FilterBy(MedicationDispense, patient, The patient the dose was for.)
* insert FilterBy(Observation, patient, The patient measured.)
* insert FilterBy(QuestionnaireResponse, patient, The patient who answered.)
