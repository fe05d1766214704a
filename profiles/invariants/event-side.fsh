// Invariants of the event-side welfare profiles: encounters (tilsyn, alarm follow-up), medicine
// dispenser events and alarm event bundles.

// Encounter.period: VKP asks for start and end; when the start is not known, a single end time
// serves as the encounter's timestamp.
Invariant: wt-enc-1
Description: "An encounter period must carry a start or an end time."
Expression: "start.exists() or end.exists()"
Severity: #error

// Device in an encounter: accepted with the official part names (deviceIdentifier, display) or
// the documented ones (identifier, displayName).
Invariant: wt-encdev-1
Description: "A device in an encounter must be identified (deviceIdentifier or identifier)."
Expression: "extension.where(url = 'deviceIdentifier' or url = 'identifier').exists()"
Severity: #error

Invariant: wt-encdev-2
Description: "A device in an encounter must be named (display or displayName)."
Expression: "extension.where(url = 'display' or url = 'displayName').exists()"
Severity: #error

// Replaces VKP's invariant category-1, which tests the codes 19 and 20 that the dispense-event
// code system no longer has: a travel dispense (2 medisin utlevert reise, 2.1 reise uassistert,
// 2.2 reise assistert) must say in dosageInstruction.text what was handed out for the journey.
Invariant: wt-md-1
Description: "A travel dispense (category 2, 2.1 or 2.2) must describe the doses handed out in dosageInstruction.text."
Expression: "category.coding.where(system = 'http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090' and (code = '2' or code = '2.1' or code = '2.2')).exists() implies dosageInstruction.text.exists()"
Severity: #error

// Alarm event bundle: the entry slices are discriminated by resource type; these invariants carry
// the counts so that they hold whatever the validator makes of type discriminators.
Invariant: wt-alarm-1
Description: "An alarm event bundle must carry exactly one DetectedIssue (the alarm)."
Expression: "entry.resource.where($this is DetectedIssue).count() = 1"
Severity: #error

Invariant: wt-alarm-2
Description: "An alarm event bundle is a collection or a transaction."
Expression: "type = 'collection' or type = 'transaction'"
Severity: #error

Invariant: wt-alarm-3
Description: "An alarm event bundle carries at most one Encounter (the follow-up) and at most one Composition (the handling log)."
Expression: "entry.resource.where($this is Encounter).count() <= 1 and entry.resource.where($this is Composition).count() <= 1"
Severity: #error
