"""The demo's reference data: real NHS organisations (public ODS codes and names) and the shape of a board."""

from register.employment.models import BoardRole
from register.identifiers import OrganisationKind as K
from register.identifiers import Region

R = Region

ORGANISATIONS: list[tuple[str, str, K, Region | None]] = [
    ("X24", "NHS England", K.NATIONAL_BODY, None),
    ("RJ1", "Guy's and St Thomas' NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RRV", "University College London Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RYJ", "Imperial College Healthcare NHS Trust", K.NHS_TRUST, R.LONDON),
    ("R1H", "Barts Health NHS Trust", K.NHS_TRUST, R.LONDON),
    ("RJZ", "King's College Hospital NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RAL", "Royal Free London NHS Foundation Trust", K.FOUNDATION_TRUST, R.LONDON),
    ("RTH", "Oxford University Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RHM", "University Hospital Southampton NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RN5", "Hampshire Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RWF", "Maidstone and Tunbridge Wells NHS Trust", K.NHS_TRUST, R.SOUTH_EAST),
    ("RTK", "Ashford and St Peter's Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_EAST),
    ("RH8", "Royal Devon University Healthcare NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_WEST),
    ("RK9", "University Hospitals Plymouth NHS Trust", K.NHS_TRUST, R.SOUTH_WEST),
    ("REF", "Royal Cornwall Hospitals NHS Trust", K.NHS_TRUST, R.SOUTH_WEST),
    ("RVJ", "North Bristol NHS Trust", K.NHS_TRUST, R.SOUTH_WEST),
    ("RNZ", "Salisbury NHS Foundation Trust", K.FOUNDATION_TRUST, R.SOUTH_WEST),
    ("RRK", "University Hospitals Birmingham NHS Foundation Trust", K.FOUNDATION_TRUST, R.MIDLANDS),
    ("RX1", "Nottingham University Hospitals NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RWE", "University Hospitals of Leicester NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RKB", "University Hospitals Coventry and Warwickshire NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RJE", "University Hospitals of North Midlands NHS Trust", K.NHS_TRUST, R.MIDLANDS),
    ("RGT", "Cambridge University Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    (
        "RM1",
        "Norfolk and Norwich University Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.EAST_OF_ENGLAND,
    ),
    ("RGN", "North West Anglia NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    ("RDE", "East Suffolk and North Essex NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    ("RC9", "Bedfordshire Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.EAST_OF_ENGLAND),
    ("R0A", "Manchester University NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("REM", "Liverpool University Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("RXN", "Lancashire Teaching Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("RM3", "Northern Care Alliance NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    ("RBT", "Mid Cheshire Hospitals NHS Foundation Trust", K.FOUNDATION_TRUST, R.NORTH_WEST),
    (
        "RTD",
        "The Newcastle upon Tyne Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.NORTH_EAST_AND_YORKSHIRE,
    ),
    ("RR8", "Leeds Teaching Hospitals NHS Trust", K.NHS_TRUST, R.NORTH_EAST_AND_YORKSHIRE),
    (
        "RHQ",
        "Sheffield Teaching Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.NORTH_EAST_AND_YORKSHIRE,
    ),
    (
        "RCB",
        "York and Scarborough Teaching Hospitals NHS Foundation Trust",
        K.FOUNDATION_TRUST,
        R.NORTH_EAST_AND_YORKSHIRE,
    ),
    ("RWA", "Hull University Teaching Hospitals NHS Trust", K.NHS_TRUST, R.NORTH_EAST_AND_YORKSHIRE),
    ("QWE", "NHS South West London Integrated Care Board", K.ICB, R.LONDON),
    ("QOP", "NHS Greater Manchester Integrated Care Board", K.ICB, R.NORTH_WEST),
    ("QHM", "NHS North East and North Cumbria Integrated Care Board", K.ICB, R.NORTH_EAST_AND_YORKSHIRE),
    ("QUE", "NHS Cambridgeshire and Peterborough Integrated Care Board", K.ICB, R.EAST_OF_ENGLAND),
    ("QHL", "NHS Birmingham and Solihull Integrated Care Board", K.ICB, R.MIDLANDS),
    ("QRL", "NHS Hampshire and Isle of Wight Integrated Care Board", K.ICB, R.SOUTH_EAST),
    ("QSL", "NHS Somerset Integrated Care Board", K.ICB, R.SOUTH_WEST),
]

# A typical unitary board: chair, chief executive, four executive directors and five non-executives.
BOARD: list[tuple[BoardRole, str | None]] = [
    (BoardRole.CHAIR, None),
    (BoardRole.CHIEF_EXECUTIVE, None),
    (BoardRole.EXECUTIVE_DIRECTOR, "finance"),
    (BoardRole.EXECUTIVE_DIRECTOR, "medical"),
    (BoardRole.EXECUTIVE_DIRECTOR, "nursing"),
    (BoardRole.EXECUTIVE_DIRECTOR, "people"),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.NON_EXECUTIVE_DIRECTOR, None),
    (BoardRole.ASSOCIATE_NED, None),
]

TRUST_KINDS = (K.NHS_TRUST, K.FOUNDATION_TRUST)
TRUSTS = [o for o in ORGANISATIONS if o[2] in TRUST_KINDS]
