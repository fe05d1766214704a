// The welfare-technology device in the home: safety alarm, medicine dispenser, sensor, camera.

Profile: WtDevice
Parent: Device
Id: wt-device
Title: "Welfare-technology device"
Description: "A welfare-technology device installed for a patient, such as a safety alarm (trygghetsalarm), medicine dispenser, sensor or camera: identified by its serial number or IMEI (identifier system and value), with its name, type, the patient it serves (by a logical identifier or a literal reference) and the organization that owns it. The default profile for every Device."
* insert DefaultProfileForType
* identifier 1..* MS
* identifier ^short = "Serial number or IMEI"
* identifier.system 1..1 MS
* identifier.value 1..1 MS
* status MS
* deviceName MS
* deviceName.name MS
* deviceName.type MS
* type MS
* patient MS
* insert LogicalPatientReference(patient)
* owner MS
* owner obeys kp-ref-1 and kp-ref-2
* owner.identifier.system from https://knutepunkt.dev/fhir/ValueSet/organization-identifier-system (required)
* owner.display MS
* owner ^short = "The owning organization (logical by organisasjonsnummer, or literal)"
