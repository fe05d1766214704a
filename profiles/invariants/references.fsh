// Vendors reference patients and authors logically (identifier + display) as they do with the
// national hub today; a literal reference is accepted as well. Either must be there.

Invariant: kp-ref-1
Description: "A reference must carry a literal reference or a logical identifier."
Expression: "reference.exists() or identifier.exists()"
Severity: #error

Invariant: kp-ref-2
Description: "A logical identifier must carry both system and value."
Expression: "identifier.exists() implies (identifier.system.exists() and identifier.value.exists())"
Severity: #error

// A reference to a patient that may be logical: by fødselsnummer, D-nummer or felles hjelpenummer.
RuleSet: LogicalPatientReference(element)
* {element} obeys kp-ref-1 and kp-ref-2
* {element}.identifier.system from https://knutepunkt.dev/fhir/ValueSet/patient-identifier-system (required)
* {element}.display MS

// A reference to a person (author, performer) that may be logical.
RuleSet: LogicalPersonReference(element)
* {element} obeys kp-ref-1 and kp-ref-2
* {element}.display MS
