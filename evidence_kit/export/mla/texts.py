"""The annexes' fixed wording in English and French (both languages hold the same keys)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "art29": "Request for expedited preservation of stored computer data",
        "art29_basis": "Council of Europe Convention on Cybercrime (ETS 185), Article 29 (and "
        "Article 30 for traffic "
        "data identifying other providers)",
        "art31": "Request for mutual assistance regarding accessing of stored computer data",
        "art31_basis": "Convention on Cybercrime (ETS 185), Article 31 — search, seizure and "
        "disclosure of the data "
        "preserved under Article 29",
        "cets224": "Request for subscriber information and traffic data",
        "cets224_basis": "Second Additional Protocol (CETS 224), Article 7 (disclosure of subscriber "
        "information by "
        "a service provider) and Article 8 (giving effect to orders for subscriber information and "
        "traffic data)",
        "header": "Request",
        "date": "Date",
        "reference": "Reference number",
        "type": "New request or extension",
        "previous": "Previous reference",
        "urgency": "Urgency",
        "requested": "Requested authority",
        "requesting": "Requesting authority",
        "organisation": "Organisation",
        "person": "Person in charge",
        "address": "Address",
        "phone": "Telephone",
        "email": "E-mail",
        "hours": "Office hours",
        "tz": "Time zone",
        "channel": "Preferred channel",
        "confirm": "Contact to confirm the request",
        "investigating": "Investigating authority",
        "refs": "Case references",
        "prosecution": "Prosecution case",
        "court": "Court case",
        "decisions": "Related decisions",
        "earlier": "Earlier requests in this matter",
        "legal": "Legal basis",
        "offence": "Offence",
        "provisions": "Legal provisions",
        "penalty": "Maximum penalty",
        "facts": "Summary of the facts",
        "provider": "Service provider (custodian of the data)",
        "jurisdiction": "Where the data is held",
        "hosts": "Domains",
        "accounts": "Accounts and identifiers",
        "kind": "Kind",
        "value": "Value",
        "categories": "Data categories sought",
        "range": "Time range (UTC)",
        "why": "Why preservation is necessary",
        "relation": "How the data relates to the offence",
        "period": "Preservation period",
        "period_text": "at least 60 days (Article 29(7)); {days} days are requested, renewable",
        "follow": "A request for mutual assistance for the search, seizure or disclosure of the data "
        "will follow "
        "(Article 29(2)(f)).",
        "confidential": "Confidentiality",
        "notify_no": "Please do not notify the account holder: {reason}",
        "notify_yes": "No confidentiality request.",
        "exhibits": "Evidence already secured (exhibits)",
        "exhibit": "Exhibit",
        "url": "URL",
        "captured": "Captured (UTC)",
        "collector": "Collected by",
        "tool": "Tool",
        "files": "Files",
        "stamp": "Trusted timestamp (RFC 3161)",
        "none": "none yet",
        "custody": "Chain of custody",
        "custody_text": "{events} signed custody events, ledger head {head}; the evidence bundle, "
        "its manifests "
        "and report accompany this request.",
        "missing": "MISSING REQUIRED INFORMATION — complete before sending",
        "measures": "Measures requested",
        "measures31": "Search or similar access, seizure or similar securing, and disclosure of the "
        "stored data "
        "listed above, including the data preserved under Article 29.",
        "measures224": "Disclosure of the subscriber information (Article 7) and giving effect to "
        "the order for "
        "subscriber information and traffic data (Article 8) for the accounts listed above.",
        "subscriber": "subscriber information",
        "traffic": "traffic data",
        "content": "content data",
        "vanish": "Online content and logs may be deleted by the account holder or expire under the "
        "provider's retention policy at any time.",
        "page": "page",
        "missing_cell": "[MISSING — required]",
        "URL": "URL",
        "URL as requested": "URL as requested",
        "handle": "handle",
        "numeric id": "numeric id",
        "display name": "display name",
        "phone number": "phone number",
        "URL linked from the page": "URL linked from the page",
        "selectors": "Other identifiers seen in these exhibits (phone numbers, e-mail addresses, handles)",
    },
    "fr": {
        "art29": "Demande de conservation rapide de données informatiques stockées",
        "art29_basis": "Convention du Conseil de l'Europe sur la cybercriminalité (STE 185), article 29 (et "
        "article 30 pour les données relatives au trafic identifiant d'autres fournisseurs)",
        "art31": "Demande d'entraide concernant l'accès aux données informatiques stockées",
        "art31_basis": "Convention sur la cybercriminalité (STE 185), article 31 — perquisition, saisie et "
        "divulgation des données conservées en vertu de l'article 29",
        "cets224": "Demande d'informations relatives aux abonnés et de données relatives au trafic",
        "cets224_basis": "Deuxième Protocole additionnel (STCE 224), article 7 (divulgation d'informations "
        "relatives aux abonnés par un fournisseur de services) et article 8 (donner effet aux "
        "injonctions de produire des informations relatives aux abonnés et des données relatives "
        "au trafic)",
        "header": "Demande",
        "date": "Date",
        "reference": "Numéro de référence",
        "type": "Nouvelle demande ou prolongation",
        "previous": "Référence précédente",
        "urgency": "Urgence",
        "requested": "Autorité requise",
        "requesting": "Autorité requérante",
        "organisation": "Organisation",
        "person": "Personne responsable",
        "address": "Adresse",
        "phone": "Téléphone",
        "email": "Courriel",
        "hours": "Heures de bureau",
        "tz": "Fuseau horaire",
        "channel": "Canal préféré",
        "confirm": "Contact pour confirmer la demande",
        "investigating": "Autorité chargée de l'enquête",
        "refs": "Références de l'affaire",
        "prosecution": "Dossier du parquet",
        "court": "Dossier du tribunal",
        "decisions": "Décisions connexes",
        "earlier": "Demandes antérieures dans cette affaire",
        "legal": "Base juridique",
        "offence": "Infraction",
        "provisions": "Dispositions légales",
        "penalty": "Peine maximale",
        "facts": "Résumé des faits",
        "provider": "Fournisseur de services (détenteur des données)",
        "jurisdiction": "Lieu de détention des données",
        "hosts": "Domaines",
        "accounts": "Comptes et identifiants",
        "kind": "Type",
        "value": "Valeur",
        "categories": "Catégories de données demandées",
        "range": "Période (UTC)",
        "why": "Pourquoi la conservation est nécessaire",
        "relation": "Lien entre les données et l'infraction",
        "period": "Durée de conservation",
        "period_text": "au moins 60 jours (article 29(7)) ; {days} jours sont demandés, renouvelables",
        "follow": "Une demande d'entraide en vue de la perquisition, de la saisie ou de la "
        "divulgation des données "
        "suivra (article 29(2)(f)).",
        "confidential": "Confidentialité",
        "notify_no": "Merci de ne pas informer le titulaire du compte : {reason}",
        "notify_yes": "Pas de demande de confidentialité.",
        "exhibits": "Preuves déjà sécurisées (pièces)",
        "exhibit": "Pièce",
        "url": "URL",
        "captured": "Capturé (UTC)",
        "collector": "Collecté par",
        "tool": "Outil",
        "files": "Fichiers",
        "stamp": "Horodatage qualifié (RFC 3161)",
        "none": "pas encore",
        "custody": "Chaîne de possession",
        "custody_text": "{events} événements de possession signés, tête du registre {head} ; le "
        "paquet de preuves, "
        "ses manifestes et son rapport accompagnent la présente demande.",
        "missing": "INFORMATIONS OBLIGATOIRES MANQUANTES — à compléter avant l'envoi",
        "measures": "Mesures demandées",
        "measures31": "Perquisition ou accès similaire, saisie ou obtention similaire, et "
        "divulgation des données "
        "stockées énumérées ci-dessus, y compris les données conservées en vertu de l'article 29.",
        "measures224": "Divulgation des informations relatives aux abonnés (article 7) et exécution "
        "de l'injonction "
        "portant sur les informations relatives aux abonnés et les données relatives au trafic "
        "(article 8) pour les comptes énumérés ci-dessus.",
        "subscriber": "informations relatives aux abonnés",
        "traffic": "données relatives au trafic",
        "content": "données de contenu",
        "vanish": "Les contenus en ligne et les journaux peuvent être supprimés à tout moment par le "
        "titulaire du compte ou expirer selon la politique de conservation du fournisseur.",
        "page": "page",
        "missing_cell": "[MANQUANT — obligatoire]",
        "URL": "URL",
        "URL as requested": "URL demandée",
        "handle": "pseudonyme",
        "numeric id": "identifiant numérique",
        "display name": "nom affiché",
        "phone number": "numéro de téléphone",
        "URL linked from the page": "URL citée dans la page",
        "selectors": "Autres identifiants relevés dans ces pièces (téléphones, courriels, pseudonymes)",
    },
}
