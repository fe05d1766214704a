// Norwegian data-type profiles: person names and addresses.

Profile: NoHumanName
Parent: HumanName
Id: no-human-name
Title: "Norwegian person name"
Description: "A person's name as used in Norway: family name, given names and, as a name of its own kind, middle names (mellomnavn) in the middlename extension. Norwegian names have no prefixes or suffixes; they are not forbidden here, so that names imported from other systems are not refused, but Norwegian systems should not send them."
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-HumanName)
* extension contains NoMiddlename named middlename 0..*
* extension[middlename] ^short = "Middle name (mellomnavn)"
* family ^short = "Family name (etternavn)"
* given ^short = "Given names (fornavn)"
* prefix ^comment = "Not used in Norwegian names. Allowed so that names imported from other systems are accepted; Norwegian systems should leave it out."
* suffix ^comment = "Not used in Norwegian names. Allowed so that names imported from other systems are accepted; Norwegian systems should leave it out."

Profile: NoAddress
Parent: Address
Id: no-address
Title: "Norwegian address"
Description: "A Norwegian address: street lines, postal code (postnummer) and postal town (poststed) in city, the municipality name in district with its municipality number (kommunenummer) as an extension, the county (fylke) in state, and whether the address is the officially registered one (folkeregistrert) and which urban district (bydel) it lies in."
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-basis-Address)
* extension contains
    NoAddressOfficial named official 0..1 and
    NoUrbanDistrict named urbanDistrict 0..1
* extension[official] ^short = "Folkeregistrert adresse"
* extension[urbanDistrict] ^short = "Bydel"
* line ^short = "Street name, number and letter; c/o; PO box"
* city ^short = "Postal town (poststed)"
* district ^short = "Municipality name (kommune)"
* district.extension contains NoMunicipalityCode named municipalitycode 0..1
* district.extension[municipalitycode] ^short = "Municipality number (kommunenummer)"
* state ^short = "County (fylke)"
* postalCode ^short = "Postal code (postnummer), four digits"
* country ^short = "Country, ISO 3166 code preferred (NO for Norway)"
