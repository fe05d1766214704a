// Extensions of the Norwegian base profiles: our own equivalents of HL7 Norway's no-basis
// extensions. Payloads that use the HL7 Norway extension URL are validated by ours.

Extension: NoMiddlename
Id: no-middlename
Title: "Middle name (mellomnavn)"
Description: "A Norwegian middle name (mellomnavn). In Norway a middle name is a name of its own kind, neither a given name nor part of the family name, so it is carried here rather than in HumanName.given. Repeat the extension for each middle name, in order."
Context: HumanName
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-middlename)
* value[x] only string
* value[x] 1..1
* valueString ^short = "The middle name"

Extension: NoMunicipalityCode
Id: no-municipality-code
Title: "Municipality number (kommunenummer)"
Description: "The four-digit municipality number (kommunenummer) of the municipality named in Address.district, coded in Kartverket's register of all municipality numbers, for example 0301 Oslo."
Context: Address.district
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode)
* value[x] only Coding
* value[x] 1..1
* valueCoding.system 1..1
* valueCoding.system = "https://register.geonorge.no/subregister/sosi-kodelister/kartverket/kommunenummer-alle"
* valueCoding.code 1..1
* valueCoding.code ^short = "Four-digit municipality number, e.g. 0301"
* valueCoding.display ^short = "Name of the municipality, e.g. Oslo"

Extension: NoAddressOfficial
Id: no-address-official
Title: "Official address (folkeregistrert adresse)"
Description: "True when this is the person's address as registered in the National Population Register (folkeregistrert adresse). False or absent says nothing about where the person actually lives."
Context: Address
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-address-official)
* value[x] only boolean
* value[x] 1..1

Extension: NoUrbanDistrict
Id: no-urban-district
Title: "Urban district (bydel)"
Description: "The urban district (bydel) of the address in the municipalities that have them (Oslo, Bergen, Stavanger, Trondheim), coded by bydelsnummer (Volven 3403)."
Context: Address
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-urban-district)
* value[x] only Coding
* value[x] 1..1
* valueCoding.system 1..1
* valueCoding.system = "urn:oid:2.16.578.1.12.4.1.1.3403"
* valueCoding.code 1..1
* valueCoding.code ^short = "Bydelsnummer, e.g. 030101 (Gamle Oslo)"
