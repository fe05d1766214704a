// How a Knutepunkt definition says which official definition it stands in for, and that it is the
// default profile of its resource type. Both are read by the server. They sit in
// StructureDefinition.identifier and .keyword because SUSHI does not copy those from a parent
// profile to its children (it does copy root extensions), so a child never inherits either role.

CodeSystem: ProfileRole
Id: profile-role
Title: "Profile roles"
Description: "Roles a Knutepunkt profile plays on the server."
* ^caseSensitive = true
* ^status = #active
* ^content = #complete
* #default-for-type "Default profile for its resource type" "The server validates every resource of the profile's type against this profile, whether or not the resource claims it (the default-profile policy, on by default)."

// The official URL (for example a VKP profile or extension) this definition stands in for: a
// resource that claims it, or an extension that uses it, is validated by this definition.
RuleSet: EquivalentTo(url)
* ^identifier[+].use = #secondary
* ^identifier[=].system = "urn:ietf:rfc:3986"
* ^identifier[=].value = "{url}"

RuleSet: DefaultProfileForType
* ^keyword[+] = https://knutepunkt.dev/fhir/CodeSystem/profile-role#default-for-type "Default profile for its resource type"
