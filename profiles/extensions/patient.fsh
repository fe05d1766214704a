// Patient and address extensions for welfare technology (pasientinfo). Each stands in for the
// official VKP extension (and the newer HL7 Norway VFT-EPJ one where it exists), so payloads that
// use the official URLs validate with these definitions.

Extension: WtZone
Id: wt-zone
Title: "Zone (sone)"
Description: "The patient's zone in the municipality's service organisation, as a pipe-delimited hierarchy, usually four levels: Municipality|District|Sone|SubSone (for example \"Oslo|Gamle Oslo|Øst|Kampen\"). There is no national standard for zones; response centres and home services use them to route events and plan visits."
Context: Patient
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-sone-v090)
* value[x] 1..1
* value[x] only string
* valueString ^short = "Municipality|District|Sone|SubSone"
* valueString ^example.label = "Oslo"
* valueString ^example.valueString = "Oslo|Gamle Oslo|Øst|Kampen"

Extension: WtHousehold
Id: wt-household
Title: "Household"
Description: "Free-text description of the patient's household that a responder needs to know before entering the home, for example that the patient lives alone, with a spouse, or has pets."
Context: Patient
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-household-v090)
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-vft-household)
* value[x] 1..1
* value[x] only string

Extension: WtSecretAddress
Id: wt-secret-address
Title: "Secret address"
Description: "Whether the patient's address is secret (strengt fortrolig / fortrolig adresse in the National Population Register). true means the address must not be disclosed beyond those who need it to provide the service. The absence of this extension does NOT indicate that the address is not secret."
Context: Patient
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-vft-secret-address)
* value[x] 1..1
* value[x] only boolean

Extension: WtElock
Id: wt-elock
Title: "Electronic door lock"
Description: "The name of the electronic door-lock (e-lock) system installed at the address, so that responders and home services know how to get in. The absence of the extension means there is no e-lock."
Context: Address, Patient
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-elock-v090)
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/no-vft-elock)
* value[x] 1..1
* value[x] only string
* valueString ^short = "Name of the e-lock system"
