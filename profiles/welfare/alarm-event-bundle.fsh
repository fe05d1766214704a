// Varsel as one package: the alarm (DetectedIssue), its structured follow-up (Encounter) and the
// handling log (Composition), as VKP's overview asks ("these will always be contained in a Bundle").

Profile: WtAlarmEventBundle
Parent: Bundle
Id: wt-alarm-event-bundle
Title: "Alarm event bundle"
Description: "An alarm event reported by a response centre or welfare-technology system as one package: exactly one alarm (DetectedIssue), at most one structured follow-up (Encounter) and at most one handling log (Composition), as a collection, or as a transaction that stores each resource. Not a default profile: Bundle is generic."
* obeys wt-alarm-1 and wt-alarm-2 and wt-alarm-3
* identifier MS
* type MS
* type ^short = "collection | transaction"
* timestamp MS
* entry 1..* MS
* entry.fullUrl 1..1 MS
* entry.resource 1..1 MS
* entry ^slicing.discriminator.type = #type
* entry ^slicing.discriminator.path = "resource"
* entry ^slicing.rules = #open
* entry ^slicing.description = "By resource type. The counts of the alarm, follow-up and log are also stated as invariants (wt-alarm-1, wt-alarm-3)."
* entry contains
    alarm 0..1 MS and
    followUp 0..1 MS and
    log 0..1 MS
* entry[alarm] ^short = "The alarm (exactly one, see wt-alarm-1)"
* entry[alarm].resource only WtDetectedIssue
* entry[followUp] ^short = "Structured follow-up of the alarm"
* entry[followUp].resource only WtEncounter
* entry[log] ^short = "The response centre's handling log"
* entry[log].resource only WtComposition
