// Vital signs from digital home follow-up, on top of the FHIR core vital-sign profiles: each adds
// the SNOMED CT coding VKP uses and Knutepunkt's shared Observation rules (WtObservationRules).

// The SNOMED CT coding slice each vital-sign profile adds beside the core LOINC slice. The core
// profiles slice code.coding by value on code and system, so both are fixed.
RuleSet: WtSnomedCoding(code)
* code.coding contains snomed 0..1 MS
* code.coding[snomed] ^short = "SNOMED CT code"
* code.coding[snomed].system 1..1 MS
* code.coding[snomed].system = $SCT (exactly)
* code.coding[snomed].code 1..1 MS
* code.coding[snomed].code = #{code} (exactly)

// UCUM units on the value; the core profiles fix the unit code (or bind it) themselves.
RuleSet: WtUcumValue
* valueQuantity MS
* valueQuantity.value MS
* valueQuantity.unit MS
* valueQuantity.system = $UCUM (exactly)
* valueQuantity.code MS

Profile: WtBloodPressure
Parent: $bp
Id: wt-blood-pressure
Title: "Blood pressure"
Description: "A blood pressure measurement: the FHIR core blood pressure profile (LOINC 85354-9, systolic 8480-6 and diastolic 8462-4 components in mm[Hg]) with the SNOMED CT codes VKP uses (75367002; systolic 271649006, diastolic 271650006), the body site and measurement method from the Norwegian value sets, and Knutepunkt's rules for the patient and performer."
* insert WtVkpObservationUrls(Bloodpressure)
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-Observation-Bloodpressure)
* insert WtSnomedCoding(75367002)
* insert WtObservationRules
* component[SystolicBP].code.coding contains snomed 0..1 MS
* component[SystolicBP].code.coding[snomed].system 1..1 MS
* component[SystolicBP].code.coding[snomed].system = $SCT (exactly)
* component[SystolicBP].code.coding[snomed].code 1..1 MS
* component[SystolicBP].code.coding[snomed].code = #271649006 (exactly)
* component[SystolicBP].valueQuantity.system = $UCUM (exactly)
* component[SystolicBP].valueQuantity.code = #mm[Hg] (exactly)
* component[DiastolicBP].code.coding contains snomed 0..1 MS
* component[DiastolicBP].code.coding[snomed].system 1..1 MS
* component[DiastolicBP].code.coding[snomed].system = $SCT (exactly)
* component[DiastolicBP].code.coding[snomed].code 1..1 MS
* component[DiastolicBP].code.coding[snomed].code = #271650006 (exactly)
* component[DiastolicBP].valueQuantity.system = $UCUM (exactly)
* component[DiastolicBP].valueQuantity.code = #mm[Hg] (exactly)
* bodySite MS
* bodySite from https://knutepunkt.dev/fhir/ValueSet/bp-body-site (required)
* method MS
* method from https://knutepunkt.dev/fhir/ValueSet/bp-method (required)

Profile: WtHeartRate
Parent: $heartrate
Id: wt-heart-rate
Title: "Heart rate"
Description: "A heart rate measurement in beats per minute: the FHIR core heart rate profile (LOINC 8867-4, UCUM /min) with SNOMED CT 364075005 and Knutepunkt's rules for the patient and performer."
* insert WtVkpObservationUrls(Heartrate)
* insert WtSnomedCoding(364075005)
* insert WtObservationRules
* insert WtUcumValue
* valueQuantity.code = #/min (exactly)

Profile: WtOxygenSaturation
Parent: $oxygensat
Id: wt-oxygen-saturation
Title: "Oxygen saturation"
Description: "An oxygen saturation (SpO2) measurement in percent: the FHIR core oxygen saturation profile (LOINC 2708-6, UCUM %) with SNOMED CT 431314004 and Knutepunkt's rules for the patient and performer."
* insert WtVkpObservationUrls(Oxygensat)
* insert WtSnomedCoding(431314004)
* insert WtObservationRules
* insert WtUcumValue
* valueQuantity.code = #% (exactly)

Profile: WtBodyTemperature
Parent: $bodytemp
Id: wt-body-temperature
Title: "Body temperature"
Description: "A body temperature measurement: the FHIR core body temperature profile (LOINC 8310-5, UCUM Cel or [degF]) with SNOMED CT 276885007 and Knutepunkt's rules for the patient and performer."
* insert WtVkpObservationUrls(Bodytemp)
* insert WtSnomedCoding(276885007)
* insert WtObservationRules
* insert WtUcumValue

Profile: WtBodyWeight
Parent: $bodyweight
Id: wt-body-weight
Title: "Body weight"
Description: "A body weight measurement: the FHIR core body weight profile (LOINC 29463-7, UCUM kg, g or [lb_av]) with SNOMED CT 27113001 and Knutepunkt's rules for the patient and performer."
* insert WtVkpObservationUrls(Bodyweight)
* insert WtSnomedCoding(27113001)
* insert WtObservationRules
* insert WtUcumValue

Profile: WtRespiratoryRate
Parent: $resprate
Id: wt-respiratory-rate
Title: "Respiratory rate"
Description: "A respiratory rate measurement in breaths per minute: the FHIR core respiratory rate profile (LOINC 9279-1, UCUM /min) with SNOMED CT 86290005 and Knutepunkt's rules for the patient and performer."
* insert WtVkpObservationUrls(Resprate)
* insert WtSnomedCoding(86290005)
* insert WtObservationRules
* insert WtUcumValue
* valueQuantity.code = #/min (exactly)
