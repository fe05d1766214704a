// The medicine dispenser that handed out (or failed to hand out) a dose, as VKP carries it.

Extension: WtDispenseDevice
Id: wt-dispense-device
Title: "Medicine dispenser device"
Description: "The medicine dispenser (electronic medication support device) at the patient's home that performed a dispense event, identified by its serial number or IMEI. Stands in for VKP's VkpMedicationDispenseDevice-v090."
Context: MedicationDispense
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/VkpMedicationDispenseDevice-v090)
* . ^short = "Medicine dispenser that performed the event"
* extension contains
    identifier 1..1 MS and
    displayName 1..1 MS and
    type 1..1 MS and
    typeName 0..1 MS and
    location 0..1 MS
* extension[identifier] ^short = "Serial number or IMEI of the dispenser"
* extension[identifier].value[x] only string
* extension[identifier].valueString 1..1
* extension[displayName] ^short = "Human-readable name of the dispenser"
* extension[displayName].value[x] only string
* extension[displayName].valueString 1..1
* extension[type] ^short = "Generic type of the device, e.g. Pill dispenser"
* extension[type].value[x] only string
* extension[type].valueString 1..1
* extension[typeName] ^short = "Specific type or model, as the vendor names it"
* extension[typeName].value[x] only string
* extension[typeName].valueString 1..1
* extension[location] ^short = "Where the dispenser is, e.g. kitchen"
* extension[location].value[x] only string
* extension[location].valueString 1..1
