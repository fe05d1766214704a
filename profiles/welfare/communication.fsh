// Notat: a note or message about a welfare-technology event, for the patient's record.
// VKP has no Communication profile; this is Knutepunkt's own.

Profile: WtCommunication
Parent: Communication
Id: wt-communication
Title: "Welfare-technology note (notat)"
Description: "A note or message about a welfare-technology event (an alarm, a supervision, a dispense), written by a person or a system for the patient's record. It names the patient logically (identifier and display), when it was sent, who sent it and which event it is about, and carries the text as payload. The default profile for Communication."
* insert DefaultProfileForType
* status 1..1 MS
* category MS
* subject 1..1 MS
* subject only Reference(Patient)
* subject ^short = "The patient, by fødselsnummer, D-nummer or felles hjelpenummer and name"
* insert LogicalPatientReference(subject)
* about MS
* about ^short = "The event the note is about, e.g. a DetectedIssue or an Encounter"
* sent 1..1 MS
* sender MS
* sender ^short = "Who wrote the note, by identifier and name"
* insert LogicalPersonReference(sender)
* payload 1..* MS
* payload.content[x] MS
* payload.content[x] ^short = "The text of the note (contentString)"
* payload.content[x] ^comment = "A note is sent as contentString; attachments and references are allowed besides."
