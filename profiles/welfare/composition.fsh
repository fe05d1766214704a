// Behandlingslogg / notat: the response centre's handling log of an event, or a note for the
// patient's record. Based on VKP's vkp-Composition-v090 and the JFT example documents.

Profile: WtComposition
Parent: Composition
Id: wt-composition
Title: "Welfare-technology handling log and note"
Description: "A response centre's handling log of an alarm or supervision (behandlingslogg), or a note for the patient's record: a VKP composition category (1 Trygghet og mestring, 2 Digital hjemmeoppfølging), the handling steps as events (reported, acknowledged, call-out…) and the text in sections (description of the follow-up, of the event, comments). The patient and the authors are referenced logically (identifier and display), as vendors do with the national welfare-technology hub (VKP). The default profile for Composition; stands in for VKP's vkp-Composition-v090."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-Composition-v090)
* status MS
* type MS
* type ^comment = "VKP does not fix the type. The Journalføringstjenesten (JFT) examples use LOINC 34133-9 (Summary of episode note) and 11488-4 (Consult note)."
* category 1..* MS
* category ^slicing.discriminator.type = #value
* category ^slicing.discriminator.path = "coding.system"
* category ^slicing.rules = #open
* category ^slicing.description = "One category carries the VKP composition category; others may follow."
* category contains vkp 1..1 MS
* category[vkp] from https://knutepunkt.dev/fhir/ValueSet/composition-category (required)
* category[vkp] ^short = "Service area: 1 Trygghet og mestring, 2 Digital hjemmeoppfølging"
* category[vkp].coding 1..* MS
* category[vkp].coding.system 1..1
* category[vkp].coding.system = "http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090" (exactly)
* category[vkp].coding.code 1..1 MS
* subject 1..1 MS
* subject only Reference(Patient)
* subject ^short = "The patient, by fødselsnummer, D-nummer or felles hjelpenummer and name"
* insert LogicalPatientReference(subject)
* date MS
* author MS
* author ^short = "Person (or device) who wrote the log or note, by identifier and name"
* insert LogicalPersonReference(author)
* title MS
* event MS
* event ^short = "Handling step of the event (reported, being handled, acknowledged, call-out…)"
* event.code MS
* event.code from https://knutepunkt.dev/fhir/ValueSet/composition-event (required)
* event.period MS
* event.detail MS
* event.detail ^short = "The event handled, e.g. the DetectedIssue or Encounter"
* section MS
* section.title MS
* section.code MS
* section.code from https://knutepunkt.dev/fhir/ValueSet/composition-section (extensible)
* section.text MS
