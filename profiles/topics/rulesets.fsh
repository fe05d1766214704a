// Subscription topics on R4, written as the Subscriptions R5 Backport IG (1.2.0) writes them: a Basic
// resource coded SubscriptionTopic carrying the R5 SubscriptionTopic elements as cross-version
// extensions. The server reads these from the profile build (subscriptions/topics/) and matches
// events by their triggers and filters, so what is published here is exactly what it does.

RuleSet: Topic(id, name, title)
* code = http://hl7.org/fhir/fhir-types#SubscriptionTopic
* modifierExtension[+].url = "http://hl7.org/fhir/StructureDefinition/artifact-status"
* modifierExtension[=].valueCode = #active
* extension[+].url = "http://hl7.org/fhir/StructureDefinition/artifact-url"
* extension[=].valueUri = "https://knutepunkt.dev/fhir/SubscriptionTopic/{id}"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.version"
* extension[=].valueString = "0.1.0"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.name"
* extension[=].valueString = "{name}"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.title"
* extension[=].valueString = "{title}"
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.date"
* extension[=].valueDateTime = "2026-11-30"

RuleSet: TopicDescription(text)
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.description"
* extension[=].valueMarkdown = "{text}"

// A journalable resource that was created or changed (deletions are not journalable events).
RuleSet: CreatedOrChanged(type, text)
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.resourceTrigger"
* extension[=].extension[+].url = "description"
* extension[=].extension[=].valueMarkdown = "{text}"
* extension[=].extension[+].url = "resource"
* extension[=].extension[=].valueUri = "http://hl7.org/fhir/StructureDefinition/{type}"
* extension[=].extension[+].url = "supportedInteraction"
* extension[=].extension[=].valueCode = #create
* extension[=].extension[+].url = "supportedInteraction"
* extension[=].extension[=].valueCode = #update

// A search parameter of the resource type a subscriber may narrow the topic with.
RuleSet: FilterBy(type, parameter, text)
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.canFilterBy"
* extension[=].extension[+].url = "description"
* extension[=].extension[=].valueMarkdown = "{text}"
* extension[=].extension[+].url = "resource"
* extension[=].extension[=].valueUri = "{type}"
* extension[=].extension[+].url = "filterParameter"
* extension[=].extension[=].valueString = "{parameter}"

// The municipality (organisasjonsnummer) whose data the event is: a key of the topic for every type.
// A subscription only ever sees its own municipality's events, so this narrows nothing there and
// naming another municipality matches nothing; it is here for clients that serve several.
RuleSet: FilterByMunicipality
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.canFilterBy"
* extension[=].extension[+].url = "description"
* extension[=].extension[=].valueMarkdown = "The municipality whose data the event is, by organisasjonsnummer (for example `municipality=920000002`; several separated by commas)."
* extension[=].extension[+].url = "filterParameter"
* extension[=].extension[=].valueString = "municipality"

// What a notification about the resource type carries: the resource itself (focus).
RuleSet: Shape(type)
* extension[+].url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.notificationShape"
* extension[=].extension[+].url = "resource"
* extension[=].extension[=].valueUri = "{type}"
