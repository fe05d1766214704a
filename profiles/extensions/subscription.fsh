// Subscription extensions of this server's rest-hook delivery (subscriptions/ in the server).

Extension: SubscriptionSecret
Id: subscription-secret
Title: "Notification signing secret"
Description: "The shared secret this server signs every notification of the subscription with: HMAC-SHA256 over the timestamp and the raw body, sent in the X-Knutepunkt-Signature header (see the README for how a receiver verifies it). At least 32 characters; generate it at random and keep it only where the receiver runs. Setting a new value rotates the secret."
Context: Subscription
* value[x] 1..1
* value[x] only string
* valueString ^short = "At least 32 random characters"

Extension: SubscriptionInteraction
Id: subscription-interaction
Title: "Interactions that notify"
Description: "Which writes of a matching resource notify the subscriber: create, update and/or delete. Absent means create and update; deletions notify only when listed here. A deletion is matched against the version that was deleted."
Context: Subscription
* value[x] 1..1
* value[x] only code
* valueCode from SubscriptionInteractionVS (required)

ValueSet: SubscriptionInteractionVS
Id: subscription-interaction
Title: "Subscription interactions"
Description: "The writes a subscription can be notified of."
* http://hl7.org/fhir/restful-interaction#create
* http://hl7.org/fhir/restful-interaction#update
* http://hl7.org/fhir/restful-interaction#delete
