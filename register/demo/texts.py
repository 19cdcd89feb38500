"""The words of the demo file: role titles, reasons, qualifications, findings and statements.

Every text is generic and invented; none describes a real person or a real case.
"""

from register.employment.models import BoardRole

# Roles held before a board seat, by the seat's portfolio (None: chair, chief executive, non-executives).
EARLIER_TITLES: dict[str | None, list[str]] = {
    "finance": ["Deputy Director of Finance", "Head of Financial Planning", "Finance Director", "Financial Controller"],
    "medical": ["Consultant Physician", "Deputy Medical Director", "Clinical Director", "Consultant Anaesthetist"],
    "nursing": ["Deputy Chief Nurse", "Director of Midwifery", "Head of Nursing", "Matron"],
    "people": [
        "Deputy Director of Workforce",
        "Head of People",
        "HR Business Partner",
        "Director of Organisational Development",
    ],
    "chief_executive": [
        "Deputy Chief Executive",
        "Chief Operating Officer",
        "Managing Director",
        "Director of Strategy",
    ],
    None: [
        "Managing Director",
        "Partner",
        "Chief Operating Officer",
        "Director of Operations",
        "Non-executive director",
    ],
}
NHS_EMPLOYERS = [
    "a district general hospital trust",
    "a community health services trust",
    "a mental health trust",
    "an ambulance service trust",
    "an integrated care board",
]
LEAVING_REASONS = [
    "Promotion",
    "Appointed to a more senior role",
    "End of fixed-term contract",
    "Relocation",
    "Organisational restructure",
]
GAP_REASONS = [
    "Career break to care for a family member.",
    "Parental leave between roles.",
    "Full-time study for an MBA.",
    "Travelling abroad between contracts.",
    "Between roles while relocating; searching for a new post.",
    "Voluntary work overseas with a medical charity.",
]

# (title, awarding body, level) by portfolio; every director also may hold a general leadership qualification.
QUALIFICATIONS: dict[str | None, list[tuple[str, str, str | None]]] = {
    "finance": [
        ("Chartered Accountant (ACA)", "Institute of Chartered Accountants in England and Wales", "professional"),
        ("Chartered Public Finance Accountant (CPFA)", "CIPFA", "professional"),
    ],
    "medical": [
        ("MB ChB", "University of Manchester", "degree"),
        ("MRCP (UK)", "Royal College of Physicians", "postgraduate"),
    ],
    "nursing": [
        ("BSc (Hons) Nursing", "King's College London", "degree"),
        ("MSc Advanced Practice", "University of Leeds", "postgraduate"),
    ],
    "people": [("Chartered Fellow (FCIPD)", "Chartered Institute of Personnel and Development", "professional")],
    None: [
        ("BA (Hons) Economics", "University of Bristol", "degree"),
        ("LLB (Hons)", "University of Birmingham", "degree"),
    ],
}
LEADERSHIP = [
    ("MBA", "Warwick Business School", "postgraduate"),
    ("Nye Bevan Programme", "NHS Leadership Academy", "professional"),
    ("Certificate in Company Direction", "Institute of Directors", "professional"),
]

OBJECTIVES = [
    ("Lead the board's oversight of the elective recovery plan.", "high_quality_outcomes"),
    ("Sponsor the five-year clinical strategy refresh.", "strategy_and_transformation"),
    ("Strengthen the board assurance framework and risk reporting.", "governance_and_assurance"),
    ("Champion speaking-up arrangements and act on staff survey results.", "compassionate_culture"),
    ("Build joint working with the integrated care board and local authorities.", "partners_and_communities"),
]
EDI_OBJECTIVES = [
    "Close the ethnicity gap in senior appointments in line with the trust's EDI improvement plan.",
    "Sponsor a staff network and report progress on the Workforce Race Equality Standard to the board.",
    "Reduce health inequalities in access to outpatient care for the most deprived neighbourhoods.",
]

CHECK_PERFORMERS = ["Company Secretary", "Head of Corporate Governance", "Board Secretary", "FPPT lead, HR"]

FINDING_OPEN = [
    ("serious_mismanagement", "Concerns raised about the oversight of a capital programme that ran over budget."),
    ("whistleblowing_detriment", "A whistleblower reports detriment after raising concerns about staffing levels."),
    ("serious_misconduct", "An allegation that procurement rules were not followed in awarding a contract."),
    ("grievance_upheld", "A grievance about bullying behaviour in executive meetings, under review."),
    ("professional_regulator_sanction", "A fitness-to-practise referral to the professional regulator is open."),
    ("disciplinary", "A disciplinary investigation into the handling of a serious incident report."),
]
FINDING_UPHELD = [
    ("serious_mismanagement", "Failure to escalate known risks in maternity services to the board."),
    ("grievance_upheld", "A grievance about the conduct of a restructure was upheld."),
    ("disciplinary", "Inappropriate use of a trust credit card; repaid and upheld at a disciplinary hearing."),
    ("whistleblowing_detriment", "A staff member who raised concerns was removed from a project; detriment upheld."),
]
FINDING_STATEMENTS = [
    "I accept the finding and have completed the development plan agreed with the chair.",
    "I do not agree with the finding and have appealed; the board was told of the risks in the papers of that month.",
    "The finding relates to a period when I was acting up without support; I have since completed governance training.",
    "I accept that I should have escalated sooner. The service has since been rated good by the CQC.",
]
BAR_SUMMARY = (
    "Barred from board-level roles following a finding of serious misconduct: the falsification of waiting-list data "
    "reported to the board."
)
BAR_STATEMENT = "I intend to apply for a review of the bar when the review period allows."
GAP_STATEMENTS = [
    "I was caring for a parent during this period and returned to work as soon as I could.",
    "This period was spent studying; the certificate is in my trust file.",
]
FILE_STATEMENT = (
    "I have asked the trust to add the dates of my earlier honorary roles, which are missing from this file."
)


def career_key(board_role: BoardRole, portfolio: str | None) -> str | None:
    """Which list of earlier roles and qualifications suits a seat."""
    if portfolio:
        return portfolio
    return "chief_executive" if board_role is BoardRole.CHIEF_EXECUTIVE else None
