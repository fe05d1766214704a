// Norwegian code systems outside VKP: the IPLOS/KPR service types (Volven 9151, official OID) and
// the hub's service codes (the ServiceCodes request header), which have no published URI.

CodeSystem: IplosServiceType
Id: iplos-service-type
Title: "IPLOS/KPR service type (tjenestetype, Volven 9151)"
Description: "The types of municipal health and care services reported to IPLOS and the municipal patient and user register (KPR), such as safety alarm (6), home health care (15), localisation technology (26), electronic medication support (27) and digital supervision (28). Kept at the official Volven OID 2.16.578.1.12.4.1.1.9151. Codes 10, 12, 13 and 16 are no longer in use and are not listed."
* ^url = "urn:oid:2.16.578.1.12.4.1.1.9151"
* ^status = #active
* ^experimental = false
* ^content = #complete
* ^caseSensitive = true
* ^publisher = "Helsedirektoratet"
* #1 "Praktisk bistand – daglige gjøremål"
* #2 "Praktisk bistand – opplæring – daglige gjøremål"
* #3 "Praktisk bistand – brukerstyrt personlig assistanse"
* #4 "Dagaktivitetstilbud"
* #5 "Matombringing"
* #6 "Trygghetsalarm"
* #7 "Avlastning utenfor institusjon"
* #8 "Avlastning i institusjon"
* #9 "Støttekontakt"
* #11 "Omsorgsstønad"
* #14 "Bruk av tvang psykisk utviklingshemning – planlagte tiltak"
* #15 "Helsetjenester i hjemmet"
* #17 "Dagopphold i institusjon"
* #18 "Tidsbegrenset opphold – utredning/behandling"
* #19 "Tidsbegrenset opphold – habilitering/rehabilitering"
* #20 "Tidsbegrenset opphold – annet"
* #21 "Langtidsopphold i institusjon"
* #22 "Nattopphold i institusjon"
* #23 "Bruk av tvang PU – nødsituasjoner"
* #24 "Helsehjelp med tvang"
* #25 "Kommunal øyeblikkelig hjelp – døgnopphold"
* #26 "Lokaliseringsteknologi (GPS)"
* #27 "Elektronisk medisineringsstøtte"
* #28 "Digitalt tilsyn"
* #29 "Bolig som kommunen disponerer for helse- og omsorgsformål"

CodeSystem: ServiceCode
Id: service-code
Title: "Welfare-technology service code"
Description: "The service codes a welfare-technology system sends to say which service its request is made under (the hub's ServiceCodes header): the basis for checking that the patient has that service ('tjenstlig behov'). The property iplos gives the corresponding IPLOS/KPR service type (Volven 9151) where there is one. The hub publishes no URI for these codes; this is Knutepunkt's."
* ^url = "https://knutepunkt.dev/fhir/CodeSystem/service-code"
* ^status = #active
* ^experimental = false
* ^content = #complete
* ^caseSensitive = true
* ^publisher = "Knutepunkt"
* ^property[0].code = #iplos
* ^property[0].description = "The corresponding IPLOS/KPR service type (Volven 9151)."
* ^property[0].type = #Coding
* #RT "Responstjeneste" "Responstjeneste – mottar og behandler varsler og alarmer. Ingen tilsvarende IPLOS-kode."
* #TA "Trygghetsalarm" "Trygghetsalarm, stasjonær og mobil. IPLOS-kode 6."
* #TA ^property[0].code = #iplos
* #TA ^property[0].valueCoding = $IPLOS#6 "Trygghetsalarm"
* #GPS "GPS-sporing / lokalisering" "Lokaliseringsteknologi (GPS-sporing). IPLOS-kode 26."
* #GPS ^property[0].code = #iplos
* #GPS ^property[0].valueCoding = $IPLOS#26 "Lokaliseringsteknologi (GPS)"
* #MD "Medisindispenser" "Medisindispenser / elektronisk medisineringsstøtte. IPLOS-kode 27."
* #MD ^property[0].code = #iplos
* #MD ^property[0].valueCoding = $IPLOS#27 "Elektronisk medisineringsstøtte"
* #DT "Digitalt tilsyn" "Digitalt tilsyn. IPLOS-kode 28."
* #DT ^property[0].code = #iplos
* #DT ^property[0].valueCoding = $IPLOS#28 "Digitalt tilsyn"
* #DHO "Digital hjemmeoppfølging" "Digital hjemmeoppfølging: egenmålinger, skjema og egenbehandlingsplan. Ingen IPLOS-kode ennå."

CodeSystem: JournalingStatus
Id: journaling-status
Title: "Journaling status"
Description: "Whether the municipality's patient-record system (EPJ) has journaled a journalable event: the tag the server sets when the EPJ acknowledges it with $journaling-acknowledged, so `_tag:not=https://knutepunkt.dev/fhir/CodeSystem/journaling-status|journaled` finds what is still to be journaled (as the national Journalføringstjenesten's read API does)."
* ^url = "https://knutepunkt.dev/fhir/CodeSystem/journaling-status"
* ^status = #active
* ^experimental = false
* ^content = #complete
* ^caseSensitive = true
* ^publisher = "Knutepunkt"
* #journaled "Journaled" "The patient-record system has journaled the event."
