"""Qualification file (首营资料) of customers.

The API other areas use (the order review of issue 5, the desktop of issue 4)::

    from pharmcrm.qualifications.rules import qualification_status, QualificationStatus
    status = qualification_status(customer)          # live, from the documents
    status.complete, status.missing, status.expired, status.expiring

    from pharmcrm.qualifications.selectors import qualification_flag, qualifications_expiring
    qualification_flag(customer_id)                  # the stored, indexed flag (CustomerQualificationState)
    qualifications_expiring(actor=user, within_days=30)

See ``rules.py`` for the required set per customer type and the status rules.
"""
