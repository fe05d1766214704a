// Examples of the Norwegian base profiles and extensions. Every identity here is synthetic: the
// person numbers are Test Norge numbers (month + 80) or otherwise made up with valid control
// digits, and the names are invented.

Instance: no-address-example
InstanceOf: NoAddress
Usage: #inline
Title: "Norwegian address (Oslo)"
Description: "A home address in Oslo with municipality number, urban district and the official-address flag."
* extension[official].valueBoolean = true
* extension[urbanDistrict].valueCoding = urn:oid:2.16.578.1.12.4.1.1.3403#030101 "Gamle Oslo"
* type = #physical
* line = "Testveien 1 A"
* postalCode = "0150"
* city = "OSLO"
* district = "Oslo"
* district.extension[municipalitycode].valueCoding = $Kommunenummer#0301 "Oslo"
* country = "NO"

Instance: no-human-name-example
InstanceOf: NoHumanName
Usage: #inline
Title: "Norwegian name with a middle name"
Description: "Kari Nordmann Testesen: given name Kari, middle name Nordmann, family name Testesen."
* use = #official
* family = "Testesen"
* given = "Kari"
* extension[middlename].valueString = "Nordmann"
* text = "Kari Nordmann Testesen"

Instance: no-patient-example
InstanceOf: NoPatient
Usage: #example
Title: "Patient identified by fødselsnummer"
Description: "A synthetic patient (Test Norge fødselsnummer) with a Norwegian name including a middle name, an Oslo address with municipality number and urban district, a regular GP's office and the municipality as managing organisation."
* identifier[FNR].system = "urn:oid:2.16.578.1.12.4.1.4.1"
* identifier[FNR].value = "02815100762"
* active = true
* name = no-human-name-example
* gender = #female
* birthDate = "1951-01-02"
* address = no-address-example
* address.use = #home
* generalPractitioner = Reference(Organization/no-organization-example) "Testlegekontoret"
* managingOrganization = Reference(Organization/no-organization-example) "Test kommune, helse og omsorg"

Instance: no-patient-dnr-example
InstanceOf: NoPatient
Usage: #example
Title: "Patient identified by D-nummer"
Description: "A synthetic patient without a fødselsnummer, identified by a (Test Norge) D-nummer."
* identifier[DNR].system = "urn:oid:2.16.578.1.12.4.1.4.2"
* identifier[DNR].value = "41858000074"
* name.family = "Testesen"
* name.given = "Ola"
* gender = #male
* birthDate = "1980-05-01"

Instance: no-patient-fhn-example
InstanceOf: NoPatient
Usage: #example
Title: "Patient identified by felles hjelpenummer"
Description: "A synthetic patient whose fødselsnummer and D-nummer are unknown, identified by a felles hjelpenummer."
* identifier[FHN].system = "urn:oid:2.16.578.1.12.4.1.4.3"
* identifier[FHN].value = "81234500007"
* name.family = "Testesen"
* name.given = "Per"
* gender = #male

Instance: no-patient-hnr-example
InstanceOf: NoPatient
Usage: #example
Title: "Patient identified by a local H-nummer"
Description: "A synthetic patient known only by an H-nummer given by one institution: the identifier type and the assigning institution are stated."
* identifier[HNR].system = "HNR"
* identifier[HNR].type = urn:oid:2.16.578.1.12.4.1.1.8327#HNR "H-nummer"
* identifier[HNR].value = "15457500006"
* identifier[HNR].assigner.identifier.system = "urn:oid:2.16.578.1.12.4.1.4.101"
* identifier[HNR].assigner.identifier.value = "910002740"
* identifier[HNR].assigner.display = "Testsykehuset HF"
* name.family = "Testesen"
* name.given = "Anne"
* gender = #female

Instance: no-practitioner-example
InstanceOf: NoPractitioner
Usage: #example
Title: "Nurse identified by HPR-nummer"
Description: "A synthetic nurse in the home-care service, identified by HPR-nummer and (Test Norge) fødselsnummer."
* identifier[HPR].system = "urn:oid:2.16.578.1.12.4.1.4.4"
* identifier[HPR].value = "9144900"
* identifier[FNR].system = "urn:oid:2.16.578.1.12.4.1.4.1"
* identifier[FNR].value = "03815201425"
* active = true
* name.family = "Sykepleiersen"
* name.given = "Siri"
* name.extension[middlename].valueString = "Test"

Instance: no-organization-example
InstanceOf: NoOrganization
Usage: #example
Title: "Municipal health and care service"
Description: "A synthetic municipal health and care unit identified by organisasjonsnummer, with an Oslo address."
* identifier[ENH].system = "urn:oid:2.16.578.1.12.4.1.4.101"
* identifier[ENH].value = "910000004"
* active = true
* name = "Test kommune, helse og omsorg"
* address = no-address-example
* address.use = #work
