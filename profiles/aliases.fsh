// Canonical URLs used across the FSH. Official code systems keep their official URIs so that
// payloads vendors send today validate unchanged; our own artefacts live under
// https://knutepunkt.dev/fhir.

// International terminologies
Alias: $LOINC = http://loinc.org
Alias: $SCT = http://snomed.info/sct
Alias: $UCUM = http://unitsofmeasure.org
Alias: $ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $ObsCat = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $v2-0131 = http://terminology.hl7.org/CodeSystem/v2-0131
Alias: $v2-0203 = http://terminology.hl7.org/CodeSystem/v2-0203
Alias: $ISO3166 = urn:iso:std:iso:3166
Alias: $NPU = urn:oid:2.16.578.1.12.4.1.1.7280

// Norwegian identifier systems (Volven / NHN)
Alias: $FNR = urn:oid:2.16.578.1.12.4.1.4.1
Alias: $DNR = urn:oid:2.16.578.1.12.4.1.4.2
Alias: $FHN = urn:oid:2.16.578.1.12.4.1.4.3
Alias: $HPR = urn:oid:2.16.578.1.12.4.1.4.4
Alias: $ENH = urn:oid:2.16.578.1.12.4.1.4.101
Alias: $RESH = urn:oid:2.16.578.1.12.4.1.4.102
Alias: $HERID = urn:oid:2.16.578.1.12.4.1.2
Alias: $IdType = urn:oid:2.16.578.1.12.4.1.1.8327
Alias: $Kommunenummer = https://register.geonorge.no/subregister/sosi-kodelister/kartverket/kommunenummer-alle
Alias: $KommunenummerOid = urn:oid:2.16.578.1.12.4.1.1.3402
Alias: $Bydel = urn:oid:2.16.578.1.12.4.1.1.3403

// Norwegian code systems kept at their official URIs
Alias: $IPLOS = urn:oid:2.16.578.1.12.4.1.1.9151
Alias: $AlertCode = http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090
Alias: $DispenseEvents = http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090
Alias: $CompositionCategory = http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090
Alias: $CompositionEvent = http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090
Alias: $CompositionSection = http://ehelse.no/fhir/CodeSystem/vkp-composition-section-v090
Alias: $EncounterReason = http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090
Alias: $EncounterMode = http://ehelse.no/fhir/CodeSystem/vkp-encounter-mode-v090
Alias: $EncounterClass = http://ehelse.no/fhir/CodeSystem/vkp-encounter-class-v090
Alias: $CarePlanCategory = http://ehelse.no/fhir/CodeSystem/vkp-careplan-category-v090
Alias: $SeverityLevel = http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090
Alias: $MessageEvent = http://ehelse.no/fhir/CodeSystem/vkp-message-event-v090
Alias: $VkpOutcome = http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090
Alias: $Triage = http://ehelse.no/fhir/CodeSystem/vkp-triage-v090
// The hub's service codes (ServiceCodes header of VKP) have no published URI; ours is canonical.
Alias: $ServiceCode = https://knutepunkt.dev/fhir/CodeSystem/service-code

// FHIR core profiles the vital-sign profiles build on
Alias: $vitalsigns = http://hl7.org/fhir/StructureDefinition/vitalsigns
Alias: $bp = http://hl7.org/fhir/StructureDefinition/bp
Alias: $heartrate = http://hl7.org/fhir/StructureDefinition/heartrate
Alias: $oxygensat = http://hl7.org/fhir/StructureDefinition/oxygensat
Alias: $bodytemp = http://hl7.org/fhir/StructureDefinition/bodytemp
Alias: $bodyweight = http://hl7.org/fhir/StructureDefinition/bodyweight
Alias: $resprate = http://hl7.org/fhir/StructureDefinition/resprate
