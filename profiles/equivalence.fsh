// How a Knutepunkt definition names the official definition it stands in for. The server reads
// these to validate a payload that claims an official VKP profile (or uses an official VKP
// extension URL) with our equivalent definition.

Extension: EquivalentCanonical
Id: equivalent-canonical
Title: "Equivalent canonical"
Description: "The canonical URL of an official definition (for example a VKP profile or extension) that this definition stands in for. Resources that claim that URL are validated by this definition."
Context: StructureDefinition
* value[x] only uri
* valueUri 1..1

RuleSet: EquivalentTo(url)
* ^extension[+].url = "https://knutepunkt.dev/fhir/StructureDefinition/equivalent-canonical"
* ^extension[=].valueUri = "{url}"

Extension: DefaultProfile
Id: default-profile
Title: "Default profile for its resource type"
Description: "Marks the profile that the server applies to every resource of its type, whether or not the resource claims it (the server's default-profile policy, on by default)."
Context: StructureDefinition
* value[x] only boolean
* valueBoolean 1..1

RuleSet: DefaultProfileForType
* ^extension[+].url = "https://knutepunkt.dev/fhir/StructureDefinition/default-profile"
* ^extension[=].valueBoolean = true
