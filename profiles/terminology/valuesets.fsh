// Value sets under Knutepunkt's canonical (https://knutepunkt.dev/fhir/ValueSet/<id>). Where VKP
// publishes an official value set, its URL is named in the description.

RuleSet: KpValueSet
* ^status = #active
* ^experimental = false

ValueSet: AlertCodeVS
Id: alert-code
Title: "Alert code"
Description: "All codes of the VKP alert code system: what an alert (varsel) from welfare technology is about. Bound to DetectedIssue.code. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-alert-code-v090."
* insert KpValueSet
* include codes from system $AlertCode

ValueSet: MedicationDispenseCategoryVS
Id: medicationdispense-category
Title: "Medication dispense category"
Description: "All codes of the VKP medication dispenser events code system: the kind of successful dispense a home medication dispenser reports. Bound to MedicationDispense.category. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-medicationdispense-events-v090."
* insert KpValueSet
* include codes from system $DispenseEvents

ValueSet: CompositionCategoryVS
Id: composition-category
Title: "Composition category"
Description: "All codes of the VKP composition category code system: the service area of a journal note. Bound to Composition.category. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-composition-category-v090."
* insert KpValueSet
* include codes from system $CompositionCategory

ValueSet: CompositionEventVS
Id: composition-event
Title: "Composition event"
Description: "All codes of the VKP composition event code system: the steps of a response centre's alert handling. Bound to Composition.event.code. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-composition-event-v090."
* insert KpValueSet
* include codes from system $CompositionEvent

ValueSet: CompositionSectionVS
Id: composition-section
Title: "Composition section"
Description: "All codes of the VKP composition section code system: the kinds of text section in a journal note. Bound (extensible) to Composition.section.code. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-composition-section-v090."
* insert KpValueSet
* include codes from system $CompositionSection

ValueSet: EncounterReasonVS
Id: encounter-reason
Title: "Encounter reason"
Description: "All codes of the VKP encounter reason code system: planned or event-triggered supervision. Bound to Encounter.reasonCode. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-encounter-reason-v090."
* insert KpValueSet
* include codes from system $EncounterReason

ValueSet: EncounterModeVS
Id: encounter-mode
Title: "Encounter mode"
Description: "All codes of the VKP encounter mode code system: how a device took part in a digital supervision. Bound to Encounter.participant.type. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-encounter-mode-v090."
* insert KpValueSet
* include codes from system $EncounterMode

ValueSet: EncounterClassVS
Id: encounter-class
Title: "Encounter class (VKP)"
Description: "All codes of the older VKP encounter class code system (supervision modes written with underscores), for payloads that still use it. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-encounter-class-v090."
* insert KpValueSet
* include codes from system $EncounterClass

ValueSet: CarePlanCategoryVS
Id: careplan-category
Title: "Care plan category"
Description: "All codes of the VKP care plan category code system: treatment plan, self-management plan, visit plan or another kind. Bound to CarePlan.category. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-careplan-category-v090."
* insert KpValueSet
* include codes from system $CarePlanCategory

ValueSet: SeverityLevelVS
Id: severity-level
Title: "Severity level"
Description: "All codes of the VKP severity level code system: how serious an alert is, from not reported to critical. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-severity-level-v090."
* insert KpValueSet
* include codes from system $SeverityLevel

ValueSet: MessageEventVS
Id: message-event
Title: "Message event"
Description: "All codes of the VKP message event code system, for the legacy message-based exchange (MessageHeader.event). Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-message-event-v090."
* insert KpValueSet
* include codes from system $MessageEvent

ValueSet: OperationOutcomeDetailVS
Id: operation-outcome-detail
Title: "Operation outcome detail"
Description: "All codes of the VKP operation outcome code system: why a request was refused or failed. Used in OperationOutcome.issue.details. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-operation-outcome-v090."
* insert KpValueSet
* include codes from system $VkpOutcome

ValueSet: TriageVS
Id: triage
Title: "Triage colour"
Description: "All codes of the VKP triage code system: the urgency of an alert as a triage colour. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-triage-v090."
* insert KpValueSet
* include codes from system $Triage

ValueSet: IplosServiceTypeVS
Id: iplos-service-type
Title: "IPLOS/KPR service type"
Description: "All IPLOS/KPR service types (Volven 9151): the municipal health and care services a patient can have. Used for EpisodeOfCare.type and HealthcareService."
* insert KpValueSet
* include codes from system $IPLOS

ValueSet: ServiceCodeVS
Id: service-code
Title: "Welfare-technology service code"
Description: "All welfare-technology service codes (RT, TA, GPS, MD, DT, DHO): the service a welfare-technology system says its request is made under."
* insert KpValueSet
* include codes from system $ServiceCode

ValueSet: WelfareServiceTypeVS
Id: welfare-service-type
Title: "Welfare service type"
Description: "The type of a municipal service a patient has: either an IPLOS/KPR service type (Volven 9151) or a welfare-technology service code. Used for EpisodeOfCare.type, so that services can be recorded and searched by either coding."
* insert KpValueSet
* include codes from system $IPLOS
* include codes from system $ServiceCode

ValueSet: MedicationDispenseStatusVS
Id: medicationdispense-status
Title: "Medication dispense status (welfare technology)"
Description: "The statuses a home medication dispenser may report: in-progress and completed (normal reporting uses completed). A subset of the FHIR R4 medication dispense status codes. Stands in for the official VKP value set http://ehelse.no/fhir/ValueSet/vkp-medicationdispense-message-status-v090, which names the codes by their older system URI http://hl7.org/fhir/medication-dispense-status."
* insert KpValueSet
* http://terminology.hl7.org/CodeSystem/medicationdispense-status#in-progress "In Progress"
* http://terminology.hl7.org/CodeSystem/medicationdispense-status#completed "Completed"

ValueSet: PatientIdentifierSystemVS
Id: patient-identifier-system
Title: "Patient identifier system"
Description: "The identifier systems by which a patient may be referred to logically (identifier + display, as vendors do with the national hub): fødselsnummer, D-nummer and felles hjelpenummer. The codes are the identifier system URIs themselves; bind it (required) to Identifier.system of a patient reference."
* insert KpValueSet
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.1 "Fødselsnummer (FNR)"
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.2 "D-nummer (DNR)"
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.3 "Felles hjelpenummer (FHN)"

ValueSet: PerformerIdentifierSystemVS
Id: performer-identifier-system
Title: "Performer identifier system"
Description: "The identifier systems by which a person who performs or authors something (for example the author of a measurement) may be referred to logically: fødselsnummer, D-nummer and HPR-nummer. The codes are the identifier system URIs themselves; bind it (required) to Identifier.system of a person reference."
* insert KpValueSet
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.1 "Fødselsnummer (FNR)"
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.2 "D-nummer (DNR)"
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.4 "HPR-nummer"

ValueSet: OrganizationIdentifierSystemVS
Id: organization-identifier-system
Title: "Organization identifier system"
Description: "The identifier systems by which an organisation may be referred to logically: organisasjonsnummer (Enhetsregisteret), RESH-id and HER-id (NHN Adresseregisteret). The codes are the identifier system URIs themselves; bind it (required) to Identifier.system of an organisation reference."
* insert KpValueSet
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.101 "Organisasjonsnummer (ENH)"
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.4.102 "RESH-id"
* urn:ietf:rfc:3986#urn:oid:2.16.578.1.12.4.1.2 "HER-id"

ValueSet: BpBodySiteVS
Id: bp-body-site
Title: "Blood pressure body site"
Description: "Where on the body a blood pressure was measured (SNOMED CT body structures): ankle, finger, dorsum of foot, wrist, artery (intra-arterial), thigh, upper arm and toe. The same twelve codes as HL7 Norway's blood-pressure body-site value set used by the VKP observation profiles."
* insert KpValueSet
* ^copyright = "This value set includes content from SNOMED CT, which is copyright © 2002+ International Health Terminology Standards Development Organisation (IHTSDO)."
* $SCT#6685009 "Right ankle"
* $SCT#51636004 "Left ankle"
* $SCT#7569003 "Finger"
* $SCT#2402003 "Dorsum of foot"
* $SCT#9736006 "Right wrist"
* $SCT#5951000 "Left wrist"
* $SCT#51114001 "Artery (intra-arterial)"
* $SCT#11207009 "Right thigh"
* $SCT#61396006 "Left thigh"
* $SCT#368209003 "Right upper arm"
* $SCT#368208006 "Left upper arm"
* $SCT#29707007 "Toe"

ValueSet: BpMethodVS
Id: bp-method
Title: "Blood pressure method"
Description: "How a blood pressure was measured: by auscultation or by palpation (SNOMED CT procedures), as in HL7 Norway's blood-pressure profiles."
* insert KpValueSet
* ^copyright = "This value set includes content from SNOMED CT, which is copyright © 2002+ International Health Terminology Standards Development Organisation (IHTSDO)."
* $SCT#37931006 "Auscultation"
* $SCT#113011001 "Palpation"
