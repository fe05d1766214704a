// Invariants of the Norwegian base profiles.

Invariant: no-pat-1
Description: "A patient must have a Norwegian identifier: fødselsnummer, D-nummer, felles hjelpenummer or H-nummer."
Expression: "identifier.where(system in ('urn:oid:2.16.578.1.12.4.1.4.1' | 'urn:oid:2.16.578.1.12.4.1.4.2' | 'urn:oid:2.16.578.1.12.4.1.4.3' | 'HNR')).exists()"
Severity: #error
