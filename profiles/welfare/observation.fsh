// måledata: measurements from digital home follow-up and other welfare technology, as VKP's
// observation profiles (hl7.fhir.no.vkp.observation) define them.

// The rules every Knutepunkt Observation profile shares. The core vital-sign profiles are separate
// parents, so each Observation profile inserts this RuleSet rather than inheriting it.
RuleSet: WtObservationRules
* status MS
* subject 1..1 MS
* subject only Reference(Patient)
* insert LogicalPatientReference(subject)
* subject ^short = "The patient, by fødselsnummer, D-nummer or felles hjelpenummer (logical) or a literal reference"
* effective[x] 1..1 MS
* performer MS
* insert LogicalPersonReference(performer)
* performer obeys kp-obs-2
* performer ^short = "Who measured or is responsible: person (fødselsnummer, D-nummer, HPR-nummer) or organization (organisasjonsnummer, RESH-id, HER-id)"

// The official URLs of a VKP observation profile <name> (for example Bloodpressure): the VKP v090
// form under ehelse.no and hl7.no, and the forms the VkpObservation IG has used.
RuleSet: WtVkpObservationUrls(name)
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-Observation-{name}-v090)
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/vkp-Observation-{name}-v090)
* insert EquivalentTo(http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation-{name})
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/vkp-Observation-{name})

Profile: WtObservation
Parent: Observation
Id: wt-observation
Title: "Welfare-technology measurement"
Description: "A measurement from welfare technology or digital home follow-up (måledata): coded in LOINC, SNOMED CT and/or NPU (Norsk laboratoriekodeverk), about one patient (by fødselsnummer, D-nummer or felles hjelpenummer, or a literal reference), with the time it was taken and, when given, who measured it or which organization is responsible. Stands in for VKP's vkp-Observation profile and is the default profile for every Observation, so it asks only for what every measurement must have."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-Observation-v090)
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/vkp-Observation-v090)
* insert EquivalentTo(http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation)
* insert EquivalentTo(http://hl7.no/fhir/StructureDefinition/vkp-Observation)
* obeys kp-obs-1
* code.coding ^slicing.discriminator.type = #pattern
* code.coding ^slicing.discriminator.path = "system"
* code.coding ^slicing.rules = #open
* code.coding ^slicing.description = "LOINC, SNOMED CT and NPU codings of the measurement; at least one of them (kp-obs-1)."
* code.coding contains
    loinc 0..* MS and
    snomed 0..* MS and
    npu 0..* MS
* code.coding[loinc].system = $LOINC
* code.coding[snomed].system = $SCT
* code.coding[npu].system = $NPU
* code.coding[npu] ^short = "NPU code (Norsk laboratoriekodeverk, NLK)"
* insert WtObservationRules

Profile: WtBloodGlucose
Parent: WtObservation
Id: wt-blood-glucose
Title: "Blood glucose"
Description: "A blood glucose measurement in mmol/L, as patients in digital home follow-up report it: LOINC 15074-8, SNOMED CT 434912009 and/or NPU02187 (Norsk laboratoriekodeverk), the value as a UCUM quantity."
* insert WtVkpObservationUrls(Glucose)
* code.coding[loinc] 0..1
* code.coding[loinc].code = #15074-8 (exactly)
* code.coding[snomed] 0..1
* code.coding[snomed].code = #434912009 (exactly)
* code.coding[npu] 0..1
* code.coding[npu].code = #NPU02187 (exactly)
* value[x] only Quantity
* valueQuantity MS
* valueQuantity.value 1..1 MS
* valueQuantity.unit MS
* valueQuantity.system 1..1 MS
* valueQuantity.system = $UCUM (exactly)
* valueQuantity.code 1..1 MS
* valueQuantity.code = #mmol/L (exactly)

Profile: WtNews2
Parent: WtObservation
Id: wt-news2
Title: "NEWS2 total score"
Description: "A National Early Warning Score 2 (NEWS2) total score, as an integer from 0 to 20, coded SNOMED CT 1104051000000101."
* insert WtVkpObservationUrls(NEWS2score)
* obeys kp-news2-1
* code.coding[snomed] 1..1
* code.coding[snomed].code = #1104051000000101 (exactly)
* value[x] only integer
* valueInteger MS
* valueInteger ^minValueInteger = 0
* valueInteger ^maxValueInteger = 20
