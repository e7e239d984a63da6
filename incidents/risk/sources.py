"""Citations used in the rationale lines (each line names the guidance it applies).

ENISA 2013: the severity method (page numbers are the document's own). "9/2022": EDPB
Guidelines 9/2022 on personal data breach notification (v2.0). "01/2021": EDPB Guidelines
01/2021 on Examples regarding Personal Data Breach Notification (v2.0). "risk-method.md":
a BreachDesk design decision, explained in docs/risk-method.md.
"""

REF_ENISA_DPC = "ENISA 2013 §3.1.1 p. 4, Annex 1 Table 1 pp. 9-10"
REF_ENISA_CONTEXT = "ENISA 2013 Annex 1 A2 p. 11"
REF_ENISA_CREDENTIALS = "ENISA 2013 §3.1.1 p. 4, Annex 1 A3 p. 16"
REF_ENISA_EI = "ENISA 2013 §3.1.2 pp. 4-5, Annex 2 pp. 17-18"
REF_ENISA_CB = "ENISA 2013 §3.1.3 p. 5, Annex 3 pp. 19-20"
REF_ENISA_SE = "ENISA 2013 §2.2 p. 3, §3.2 p. 6"
REF_ENISA_FLAGS = "ENISA 2013 §3.3 p. 6"
REF_TYPES = "EDPB Guidelines 9/2022 §I.B.2"
REF_IVB = "EDPB Guidelines 9/2022 §IV.B"
REF_DOUBT = "EDPB Guidelines 9/2022 §IV.B (when in doubt, notify); GDPR Art. 33(4)"
REF_MATRIX = "EDPB Guidelines 9/2022 ¶103; BreachDesk design (risk-method.md §4.2)"
REF_LIKELIHOOD = "EDPB Guidelines 9/2022 §IV.B; BreachDesk design (risk-method.md §4.1)"
REF_SPECIAL = "EDPB Guidelines 9/2022 ¶102"
REF_SPECIAL_EXPOSED = "EDPB Guidelines 9/2022 ¶102, ¶59"
REF_FRAUD = "EDPB Guidelines 9/2022 ¶51, §IV.B; EDPB Guidelines 01/2021 Cases 04, 07, 14"
REF_SCALE = "EDPB Guidelines 9/2022 §IV.B; EDPB Guidelines 01/2021 Case 11"
REF_CONTROLLER = "EDPB Guidelines 9/2022 ¶117"
REF_AVAILABILITY = "EDPB Guidelines 01/2021 Cases 01-03; EDPB Guidelines 9/2022 Annex B"
REF_INTEGRITY = "ENISA 2013 Annex 3 p. 19; EDPB Guidelines 9/2022 §IV.B (permanence)"
REF_ENCRYPTED = "EDPB Guidelines 9/2022 §II.D, ¶77; EDPB Guidelines 01/2021 Cases 01, 10"
REF_CONTAINMENT = "EDPB Guidelines 01/2021 Cases 09, 13; BreachDesk design (risk-method.md §6)"
REF_EXPOSURE_REMOVED = (
    "EDPB Guidelines 01/2021 Case 09; EDPB Guidelines 9/2022 §IV.B (trusted recipient)"
)
REF_ART33 = "GDPR Art. 33(1)"
REF_ART34 = "GDPR Art. 34(1)"
REF_ART34_A = "GDPR Art. 34(3)(a); EDPB Guidelines 9/2022 §III.D"
REF_ART34_B = "GDPR Art. 34(3)(b); EDPB Guidelines 9/2022 §III.D"
REF_ART34_C = "GDPR Art. 34(3)(c); EDPB Guidelines 9/2022 §III.D"
