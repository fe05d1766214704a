// CarePlan extensions for welfare technology (tiltaksplan, besøksplan).

Extension: WtDetailHeader
Id: wt-detail-header
Title: "Care-plan activity header"
Description: "The heading an activity detail is listed under in the care plan, usually one of \"Problem/Ressurs\", \"Mål\", \"Tiltak\" or \"Evaluering\" (the sections of a tiltaksplan)."
Context: CarePlan.activity.detail
* insert EquivalentTo(http://ehelse.no/fhir/StructureDefinition/vkp-detailheader-v090)
* value[x] 1..1
* value[x] only string
* valueString ^short = "Problem/Ressurs | Mål | Tiltak | Evaluering"
