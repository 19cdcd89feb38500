"""Leadership Competency Framework (LCF) appraisals of board members."""
