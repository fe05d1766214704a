// The Norwegian base Organization: our equivalent of HL7 Norway's no-basis-Organization.

Profile: NoOrganization
Parent: Organization
Id: no-organization
Title: "Norwegian organization"
Description: "An organisation or organisational unit in Norway, such as a municipality, its home-care service or a response centre, identified by organisasjonsnummer (Enhetsregisteret, nine digits with a control digit), by HER-id (NHN's address register, used for routing messages) or, for specialist health units, by RESH-id."
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-Organization)
* identifier MS
* insert IdentifierSlicedBySystem
* identifier ^slicing.description = "Norwegian organisation identifiers are told apart by their system. Other identifiers are allowed."
* identifier contains
    ENH 0..1 MS and
    HERID 0..1 MS and
    RESH 0..1
* insert NorwegianIdentifierSlice(ENH, urn:oid:2.16.578.1.12.4.1.4.101, Organisasjonsnummer)
* identifier[ENH] ^definition = "The organisation number in the Central Coordinating Register for Legal Entities (Enhetsregisteret): nine digits, the last a modulus-11 control digit."
* insert NorwegianIdentifierSlice(HERID, urn:oid:2.16.578.1.12.4.1.2, HER-id)
* identifier[HERID] ^definition = "The organisation's or unit's HER-id in Norsk helsenett's address register (Adresseregisteret)."
* insert NorwegianIdentifierSlice(RESH, urn:oid:2.16.578.1.12.4.1.4.102, RESH-id)
* identifier[RESH] ^definition = "The unit's id in the Register of Health Enterprises (RESH), used for specialist health-care units."
* address only NoAddress
