// tiltaksplan / besøksplan / egenbehandlingsplan: care plans the EPJ publishes to welfare-technology
// vendors. WtCarePlan stands in for VKP's vkp-CarePlan-v090; the three kinds of plan are its
// children, each fixing the VKP care-plan category.

Profile: WtCarePlan
Parent: CarePlan
Id: wt-careplan
Title: "Welfare-technology care plan"
Description: "A municipal care plan for a welfare-technology patient as the health record publishes it: the plan's kind (VKP care-plan category: annen type, behandlingsplan, egenbehandlingsplan, besøksplan), the patient by a logical identifier or a literal reference, the period, the author (the service, by HER-id, or a literal reference) and the activities, each with an optional header (Problem/Ressurs, Mål, Tiltak, Evaluering). Stands in for VKP's vkp-CarePlan-v090 and is the default profile for every CarePlan."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-CarePlan-v090)
* identifier MS
* status MS
* intent MS
* category 1..* MS
* category ^slicing.discriminator.type = #value
* category ^slicing.discriminator.path = "coding.system"
* category ^slicing.rules = #open
* category ^slicing.description = "The VKP care-plan category; other categories may be added."
* category contains vkp 1..1 MS
* category[vkp] ^short = "VKP care-plan category: 0 annen type, 1 behandlingsplan, 2 egenbehandlingsplan, 3 besøksplan"
* category[vkp].coding.system = $CarePlanCategory (exactly)
* category[vkp] from https://knutepunkt.dev/fhir/ValueSet/careplan-category (required)
* title MS
* subject MS
* subject only Reference(Patient)
* insert LogicalPatientReference(subject)
* period MS
* author MS
* author obeys kp-ref-1 and kp-ref-2
* author.identifier.system = $HERID (exactly)
* author.display MS
* author ^short = "The responsible service, by HER-id (logical) or a literal reference"
* activity MS
* activity.detail MS
* activity.detail.extension contains WtDetailHeader named header 0..1 MS
* activity.detail.extension[header] ^short = "Problem/Ressurs | Mål | Tiltak | Evaluering"
* activity.detail.description MS

Profile: WtTiltaksplan
Parent: WtCarePlan
Id: wt-tiltaksplan
Title: "Tiltaksplan (plan of measures)"
Description: "A tiltaksplan: the measures agreed for the patient, each activity detail listed under a header (Problem/Ressurs, Mål, Tiltak, Evaluering) with its description. VKP's care-plan category code system has no code of its own for a tiltaksplan, so Knutepunkt gives it category 1 behandlingsplan (the closest VKP code); it is told apart from other treatment plans by the profile it claims and by its activity headers."
* category[vkp].coding.code = #1 (exactly)
* activity.detail.extension[header] MS

Profile: WtBesoksplan
Parent: WtCarePlan
Id: wt-besoksplan
Title: "Besøksplan (visit plan)"
Description: "A besøksplan: the home-service visits planned for the patient (VKP care-plan category 3). Each activity is one visit: detail.kind Appointment, the scheduled period, the status (scheduled, completed ...) with an optional reason, and a description."
* category[vkp].coding.code = #3 (exactly)
* activity.detail.kind 1..1 MS
* activity.detail.kind = #Appointment (exactly)
* activity.detail.status MS
* activity.detail.statusReason MS
* activity.detail.scheduled[x] only Period
* activity.detail.scheduled[x] MS

Profile: WtEgenbehandlingsplan
Parent: WtCarePlan
Id: wt-egenbehandlingsplan
Title: "Egenbehandlingsplan (self-care plan)"
Description: "An egenbehandlingsplan: what the patient does themselves to manage a condition, typically in digital home follow-up, with the measures as activities (VKP care-plan category 2)."
* category[vkp].coding.code = #2 (exactly)
