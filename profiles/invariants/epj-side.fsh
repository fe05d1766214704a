// Invariants of the EPJ-side welfare profiles (pasientinfo, tjenester, care plans, devices,
// måledata, skjemabesvarelse).

Invariant: kp-eoc-1
Description: "An episode of care must name its service: at least one type coding from IPLOS tjenestetype (urn:oid:2.16.578.1.12.4.1.1.9151) or from the Knutepunkt service codes."
Expression: "type.coding.where(system = 'urn:oid:2.16.578.1.12.4.1.1.9151' or system = 'https://knutepunkt.dev/fhir/CodeSystem/service-code').exists()"
Severity: #error

Invariant: kp-obs-1
Description: "A measurement must be coded in LOINC, SNOMED CT or NPU (Norsk laboratoriekodeverk): at least one code.coding from one of these systems."
Expression: "code.coding.where(system = 'http://loinc.org' or system = 'http://snomed.info/sct' or system = 'urn:oid:2.16.578.1.12.4.1.1.7280').exists()"
Severity: #error

// Keep the systems in step with the value sets performer-identifier-system and
// organization-identifier-system: FHIRPath memberOf() needs a terminology service.
Invariant: kp-obs-2
Description: "A logical performer is identified by a person identifier (fødselsnummer, D-nummer, HPR-nummer) or an organization identifier (organisasjonsnummer, RESH-id, HER-id)."
Expression: "identifier.exists() implies identifier.system.where($this = 'urn:oid:2.16.578.1.12.4.1.4.1' or $this = 'urn:oid:2.16.578.1.12.4.1.4.2' or $this = 'urn:oid:2.16.578.1.12.4.1.4.4' or $this = 'urn:oid:2.16.578.1.12.4.1.4.101' or $this = 'urn:oid:2.16.578.1.12.4.1.4.102' or $this = 'urn:oid:2.16.578.1.12.4.1.2').exists()"
Severity: #error

Invariant: kp-news2-1
Description: "A NEWS2 total score is an integer from 0 to 20."
Expression: "value.exists() implies (value >= 0 and value <= 20)"
Severity: #error
