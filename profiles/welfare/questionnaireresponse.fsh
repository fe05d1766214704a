// skjemabesvarelse: a patient's answers to a questionnaire in digital home follow-up.

Profile: WtQuestionnaireResponse
Parent: QuestionnaireResponse
Id: wt-questionnaireresponse
Title: "Welfare-technology questionnaire response"
Description: "A patient's answers to a questionnaire in digital home follow-up (skjemabesvarelse): which questionnaire (its canonical URL, with its title in the display extension for systems that cannot resolve it), the patient (by fødselsnummer, D-nummer or felles hjelpenummer, or a literal reference), when it was answered and its status. Stands in for VKP's vkp-QuestionnaireResponse-v090 (published under the misspelt URL vkp-QuestionnaireReponse-v090) and is the default profile for every QuestionnaireResponse."
* insert DefaultProfileForType
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-QuestionnaireResponse-v090)
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-QuestionnaireReponse-v090)
* status MS
* questionnaire 1..1 MS
* questionnaire.extension contains http://hl7.org/fhir/StructureDefinition/display named questionnaireDisplay 0..1 MS
* questionnaire.extension[questionnaireDisplay] ^short = "The questionnaire's title"
* subject 1..1 MS
* subject only Reference(Patient)
* insert LogicalPatientReference(subject)
* authored 1..1 MS
* author MS
* item MS
