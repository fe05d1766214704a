// Device taking part in an encounter (tilsyn, alarm follow-up). R4 Encounter.participant.individual
// cannot reference a Device, so VKP carries devices in a complex extension instead; so do we.
//
// The official definition (vkp-encounterDevice-v090) names its parts deviceIdentifier (Identifier)
// and display (string); VKP's documentation and the sibling dispenser extension use identifier
// (string) and displayName (string). Payloads in the wild may use either, so both are accepted and
// the invariants require one of each pair.

Extension: WtEncounterDevice
Id: wt-encounter-device
Title: "Device in an encounter"
Description: "A welfare-technology device (camera, sensor, alarm button, pull cord…) that took part in an encounter, identified logically by its serial number or IMEI as VKP does. On Encounter.participant it names the device that took part in that participant's mode (type) and period; on Encounter it names a device used in the encounter as a whole. Stands in for VKP's vkp-encounterDevice-v090."
Context: Encounter, Encounter.participant
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-encounterDevice-v090)
* obeys wt-encdev-1 and wt-encdev-2
* . ^short = "Device that took part in the encounter"
* extension contains
    deviceIdentifier 0..1 MS and
    identifier 0..1 MS and
    display 0..1 MS and
    displayName 0..1 MS and
    type 0..1 MS and
    typeName 0..1 MS and
    location 0..1 MS
* extension[deviceIdentifier] ^short = "Serial number or IMEI of the device, as an Identifier (official VKP form)"
* extension[deviceIdentifier].value[x] only Identifier
* extension[deviceIdentifier].valueIdentifier 1..1
* extension[deviceIdentifier].valueIdentifier.system 1..1
* extension[deviceIdentifier].valueIdentifier.value 1..1
* extension[identifier] ^short = "Serial number or IMEI of the device, as a string"
* extension[identifier].value[x] only string
* extension[identifier].valueString 1..1
* extension[display] ^short = "Human-readable name of the device (official VKP form)"
* extension[display].value[x] only string
* extension[display].valueString 1..1
* extension[displayName] ^short = "Human-readable name of the device"
* extension[displayName].value[x] only string
* extension[displayName].valueString 1..1
* extension[type] ^short = "Generic type of the device, e.g. Trykknapp, Snortrekk, Roommate"
* extension[type].value[x] only string
* extension[type].valueString 1..1
* extension[typeName] ^short = "Specific type or model of the device, as the vendor names it"
* extension[typeName].value[x] only string
* extension[typeName].valueString 1..1
* extension[location] ^short = "Where the device is, e.g. living room"
* extension[location].value[x] only string
* extension[location].valueString 1..1
