// tjenester: the municipal services a patient receives, as the EPJ publishes them. A vendor's
// access to a patient ("tjenstlig behov") follows from an active episode of a service it provides.

Profile: WtEpisodeOfCare
Parent: EpisodeOfCare
Id: wt-episodeofcare
Title: "Welfare-technology service (tjeneste)"
Description: "One municipal health or care service a patient receives (tjeneste), such as a safety alarm, digital supervision or medicine dispenser: the service type as an IPLOS tjenestetype code and/or a Knutepunkt service code, the patient (by a logical identifier or a literal reference), the municipal unit that manages the service and the period it runs. Stands in for VKP's vkp-EpisodeOfCare-v090 and is the default profile for every EpisodeOfCare."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-EpisodeOfCare-v090)
* obeys kp-eoc-1
* identifier MS
* status MS
* type 1..* MS
* type ^slicing.discriminator.type = #pattern
* type ^slicing.discriminator.path = "coding.system"
* type ^slicing.rules = #open
* type ^slicing.description = "The service as an IPLOS tjenestetype and/or a Knutepunkt service code; at least one of them (kp-eoc-1)."
* type contains
    iplos 0..1 MS and
    serviceCode 0..1 MS
* type[iplos] ^short = "IPLOS tjenestetype (Volven 9151)"
* type[iplos].coding.system = $IPLOS
* type[iplos] from https://knutepunkt.dev/fhir/ValueSet/iplos-service-type (required)
* type[serviceCode] ^short = "Knutepunkt service code (TA, GPS, MD, DT, DHO, RT ...)"
* type[serviceCode].coding.system = $ServiceCode
* type[serviceCode] from https://knutepunkt.dev/fhir/ValueSet/service-code (required)
* patient MS
* insert LogicalPatientReference(patient)
* managingOrganization MS
* managingOrganization obeys kp-ref-1 and kp-ref-2
* managingOrganization.identifier.system from https://knutepunkt.dev/fhir/ValueSet/organization-identifier-system (required)
* managingOrganization.display MS
* managingOrganization ^short = "The municipal unit that manages the service (logical by organisasjonsnummer, or literal)"
* period 1..1 MS
* period.start 1..1 MS
