// $fhirpath (server/fhir/operations/fhirpath.ts): FHIRPath for developers, evaluated by HL7's
// engine with the R4 model over what a search finds or over one resource.

Instance: fhirpath
InstanceOf: OperationDefinition
Usage: #definition
Title: "Evaluate FHIRPath over a search result or a resource"
* name = "FhirPath"
* status = #active
* kind = #operation
* code = #fhirpath
* resource = #Resource
* system = false
* type = true
* instance = true
* affectsState = false
* description = "Evaluates a FHIRPath expression (HL7 fhirpath.js, R4 model) over each resource a search finds (`[type]/$fhirpath?expression=…&<search parameters>`, one page at a time, with the caller's scopes and need-to-know) or over one resource (`[type]/[id]/$fhirpath?expression=…`). An expression that does not parse is a 400 naming the expression."
* parameter[0].name = #expression
* parameter[0].use = #in
* parameter[0].min = 1
* parameter[0].max = "1"
* parameter[0].type = #string
* parameter[0].documentation = "The FHIRPath expression, evaluated with each resource as its context."
* parameter[1].name = #result
* parameter[1].use = #out
* parameter[1].min = 0
* parameter[1].max = "*"
* parameter[1].documentation = "One per resource: a part `resource` with its reference, then one part per value, named by its type (`FHIR.string`, `System.Integer`) and carried in the matching value[x]; a resource as `resource`, a backbone element as JSON text in valueString."
* parameter[1].part[0].name = #resource
* parameter[1].part[0].use = #out
* parameter[1].part[0].min = 1
* parameter[1].part[0].max = "1"
* parameter[1].part[0].type = #Reference
* parameter[1].part[0].documentation = "The resource the values come from."
* parameter[2].name = #next
* parameter[2].use = #out
* parameter[2].min = 0
* parameter[2].max = "1"
* parameter[2].type = #uri
* parameter[2].documentation = "The same operation on the next page of the search, when there is one."
