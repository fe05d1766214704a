// The hub's own search parameters, defined by FHIRPath over the welfare-technology extensions and
// tags. The server indexes every active SearchParameter it holds (these, published at start, and
// any an administrator creates at run time) and builds their rows for existing data in a
// re-index job (server/store/search/custom-params.ts, server/store/reindex/).

RuleSet: WtSearchParameter(code, type)
* status = #active
* code = #{code}
* type = #{type}
* publisher = "Knutepunkt"
* jurisdiction = urn:iso:std:iso:3166#NO "Norway"

Instance: wt-alert-code
InstanceOf: SearchParameter
Usage: #definition
Title: "Alert code (varselkode), with its hierarchy"
* insert WtSearchParameter(alert-code, token)
* name = "AlertCode"
* description = "The VKP alert code (varselkode) of an alert. The code system is a hierarchy (1 Elektronisk medisineringsstøtte > 1.1 Ikke utlevert …), so `alert-code:below=http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090|1` finds every medicine-dispenser alert, and `:above`, `:in` and `:not-in` work too."
* base[0] = #DetectedIssue
* expression = "DetectedIssue.code.coding.where(system = 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090')"

Instance: wt-journaling-status
InstanceOf: SearchParameter
Usage: #definition
Title: "Journaling status of a journalable event"
* insert WtSearchParameter(journaling-status, token)
* name = "JournalingStatus"
* description = "Whether the patient-record system has journaled the event: the journaling-status tag the server sets on $journaling-acknowledged. `journaling-status:missing=true` (or `journaling-status:not=journaled`) finds the events still to be journaled; `journaling-status=journaled` those done."
* base[0] = #DetectedIssue
* base[1] = #Encounter
* base[2] = #Composition
* base[3] = #Communication
* base[4] = #MedicationDispense
* base[5] = #Observation
* base[6] = #QuestionnaireResponse
* expression = "meta.tag.where(system = 'https://knutepunkt.dev/fhir/CodeSystem/journaling-status')"

Instance: wt-municipality
InstanceOf: SearchParameter
Usage: #definition
Title: "Municipality number (kommunenummer) of a patient's address"
* insert WtSearchParameter(municipality, token)
* name = "Municipality"
* description = "The municipality number (kommunenummer, e.g. 0301 for Oslo) of any of the patient's addresses, from the no-municipality-code extension on Address.district (ours or HL7 Norway's no-basis-municipalitycode)."
* base[0] = #Patient
* expression = "Patient.address.district.extension.where(url = 'https://knutepunkt.dev/fhir/StructureDefinition/no-municipality-code' or url = 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode').value"

Instance: wt-zone
InstanceOf: SearchParameter
Usage: #definition
Title: "Zone of a patient in the municipality's service organisation"
* insert WtSearchParameter(zone, string)
* name = "Zone"
* description = "The patient's zone (Municipality|District|Sone|SubSone) from the wt-zone extension. A string parameter matches from the start, so `zone=Oslo|Gamle Oslo` finds every zone below that district."
* base[0] = #Patient
* expression = "Patient.extension.where(url = 'https://knutepunkt.dev/fhir/StructureDefinition/wt-zone').value"

Instance: wt-device-serial
InstanceOf: SearchParameter
Usage: #definition
Title: "Serial number or IMEI of the welfare-technology device in an event"
* insert WtSearchParameter(device-serial, token)
* name = "DeviceSerial"
* description = "The serial number or IMEI of the device that took part in a supervision encounter (on Encounter or one of its participants) or performed a dispense, whichever form VKP's payload uses: `device-serial=SN-4411` finds it as a plain value, `device-serial=system|value` where the device is named by an Identifier."
* base[0] = #Encounter
* base[1] = #MedicationDispense
* expression = "(Encounter.extension | Encounter.participant.extension | MedicationDispense.extension).where(url = 'https://knutepunkt.dev/fhir/StructureDefinition/wt-encounter-device' or url = 'https://knutepunkt.dev/fhir/StructureDefinition/wt-dispense-device' or url = 'http://ehelse.no/fhir/StructureDefinition/vkp-encounterDevice-v090' or url = 'http://ehelse.no/fhir/StructureDefinition/VkpMedicationDispenseDevice-v090').extension.where(url = 'identifier' or url = 'deviceIdentifier').value"
