from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class SealingError(ErrorCodeBase):
    BID_REFUSED = "sealed_bid_refused", 422, _("The sealed bid was refused.")
    RELEASE_REFUSED = "release_refused", 422, _("The release was refused: the bid was not opened.")
    OPENING_ADVANCED = (
        "opening_advanced",
        409,
        _("A deadline or an opening can be postponed, never brought forward."),
    )
    WINDOW_CLOSED = (
        "bid_window_closed",
        409,
        _("The opening time has passed: the deadline can no longer change."),
    )
    DEADLINE_PASSED = (
        "bid_deadline_passed",
        409,
        _("The bid deadline has passed: it can no longer be moved (only the opening can be postponed)."),
    )
    WINDOW_INVALID = "bid_window_invalid", 422, _("The opening cannot be before the bid deadline.")
    TOO_LATE = (
        "bid_withdraw_too_late",
        409,
        _("The bid deadline has passed: the bid can no longer be withdrawn."),
    )
    NOT_STANDING = "bid_not_standing", 409, _("This bid was withdrawn or opened already.")
    NOT_FOUND = "sealed_bid_not_found", 404, _("No such sealed bid of yours.")
    PRICE_SESSION_SET = (
        "price_session_set",
        409,
        _("The section's second session (price envelopes) has been scheduled already."),
    )
    SET_REFUSED = "custodian_set_refused", 422, _("The custodian set was refused.")
    DEMO_CUSTODIANS_IN_PRODUCTION = (
        "demo_custodians_in_production",
        409,
        _("Demo custodians cannot be used on a production installation."),
    )
    REAL_CUSTODIANS_IN_SANDBOX = (
        "real_custodians_in_sandbox",
        409,
        _("Only demo custodians can be used in the sandbox."),
    )
    NO_CUSTODIAN_SET = "no_custodian_set", 404, _("The centre has published no custodian set.")
    NOTICE_KEY_NOT_HONOURED = (
        "notice_key_not_honoured",
        409,
        _(
            "No notice key of the platform is honoured by the centre's custodian set: publish a new set, "
            "or complete the notice-key transition the supervising department signs."
        ),
    )
    TRANSITION_NOT_NEEDED = (
        "notice_key_transition_not_needed",
        409,
        _("The newest notice key is already honoured by the custodian set."),
    )
    TRANSITION_NOT_FOUND = (
        "notice_key_transition_not_found",
        404,
        _("No such pending notice-key transition."),
    )
    TRANSITION_REFUSED = (
        "notice_key_transition_refused",
        422,
        _(
            "The transition does not verify: it needs the old key's and the supervising department's "
            "signatures."
        ),
    )

    # the resumable upload (tus 1.0, ggzy.sealing.uploads)
    TUS_VERSION = (
        "tus_version_unsupported",
        412,
        _("Send the header Tus-Resumable: 1.0.0 (the only tus version this server speaks)."),
    )
    UPLOAD_NOT_FOUND = "upload_not_found", 404, _("No such upload of yours.")
    UPLOAD_LENGTH = "upload_length_invalid", 400, _("Upload-Length must be a whole number of bytes.")
    UPLOAD_TOO_LARGE = "upload_too_large", 413, _("The bid is larger than this section takes.")
    UPLOAD_METADATA = (
        "upload_metadata_invalid",
        400,
        _(
            "Upload-Metadata must carry the section's code and the custodians' acknowledgements (a JSON "
            "list), each in base64."
        ),
    )
    UPLOAD_SECTION = "upload_section_unknown", 422, _("No such section takes bids.")
    UPLOAD_DEADLINE_PASSED = (
        "upload_deadline_passed",
        422,
        _("The bid deadline has passed: no upload can start."),
    )
    UPLOAD_NO_ORGANISATION = (
        "upload_no_organisation",
        403,
        _("Only a member of a bidding organisation can submit a bid."),
    )
    UPLOAD_QUOTA = (
        "upload_quota",
        429,
        _("You have too many unfinished uploads: finish or cancel one first."),
    )
    UPLOAD_EXPIRED = "upload_expired", 410, _("This upload has expired. Start it again.")
    UPLOAD_CLOSED = (
        "upload_closed",
        410,
        _("This upload is closed: its bid was refused. Start a new upload."),
    )
    UPLOAD_CONTENT_TYPE = (
        "upload_content_type",
        415,
        _("Send the chunk as application/offset+octet-stream."),
    )
    UPLOAD_OFFSET_INVALID = "upload_offset_invalid", 400, _("Upload-Offset must be a whole number of bytes.")
    UPLOAD_OFFSET = (
        "upload_offset_mismatch",
        409,
        _("Upload-Offset is not where the upload stands: ask for the offset (HEAD) and go on from there."),
    )
    UPLOAD_BEYOND_LENGTH = (
        "upload_beyond_length",
        413,
        _("The chunk goes beyond the length declared for the upload: nothing of it was kept."),
    )
    UPLOAD_CHECKSUM_ALGORITHM = (
        "upload_checksum_unsupported",
        400,
        _("Upload-Checksum must be sm3 and the base64 of a 32-byte digest."),
    )
    UPLOAD_CHECKSUM = (
        "upload_checksum_mismatch",
        460,
        _("The chunk does not match its checksum: nothing of it was kept. Send it again."),
    )
    UPLOAD_INCOMPLETE = (
        "upload_chunk_incomplete",
        400,
        _("The chunk arrived incomplete: nothing of it was kept. Send it again."),
    )
    UPLOAD_NO_SPACE = (
        "upload_no_space",
        507,
        _("The platform has no room for the chunk now: nothing of it was kept. Try again later."),
    )
    UPLOAD_BUSY = (
        "upload_busy",
        423,
        _("Another request is writing to this upload. Try again in a moment."),
    )


#: What each refusal reason (DomainError detail "reason") means: the bidder reads it.
REASONS: dict[str, Promise] = {
    "malformed": _("It is not a readable ggzy-bid-v2 file."),
    "format": _(
        "Its format is not ggzy-bid-v2 (a v1 file is no longer accepted: seal again with the current "
        "ggzy-bid)."
    ),
    "signature": _("Its signature does not verify with the signing certificate it names."),
    "ciphertext": _("Its encrypted part is not the one its header names: it was altered or cut."),
    "binding": _("Its codes are malformed, or the release is for another bid."),
    "section": _("It is sealed for another section or tender project."),
    "bidder": _("It names a bidder that is not your organisation."),
    "no_window": _("The section takes no bids: it has no bid deadline."),
    "deadline_later": _("It is sealed against a later deadline than the section's current one."),
    "deadline_unknown": _("It is sealed against a deadline the section never had."),
    "deadline_passed": _("The bid deadline has passed."),
    "envelope_needed": _(
        "The documents ask for two envelopes: seal the technical and the price envelope apart"
        " (ggzy-bid seal --envelope technical, --envelope price)."
    ),
    "envelope_not_taken": _(
        "The documents ask for one sealed bid, not for envelopes: seal it without --envelope."
    ),
    "replayed": _(
        "This very sealed file was already sent for this section: seal the bid again to replace it."
    ),
    "no_certificate": _("You have no bound signing certificate."),
    "documents_not_obtained": _(
        "Your organisation has not obtained this section's tender documents: only holders may bid."
    ),
    "seal_other_organisation": _(
        "It is signed with a certificate issued to another organisation: it carries no seal of the bidder."
    ),
    "signing_certificate": _("It is signed with a certificate other than your bound signing certificate."),
    "certificate": _("Your signing certificate no longer passes the CA checks."),
    "release_key": _("Its release key is not bound to your signing certificate by your signature."),
    "release": _("The release is not for this bid, or its key does not match."),
    "acknowledgements": _(
        "It lacks the custodians' acknowledgements: register it with the custodians before the deadline "
        "(ggzy-bid register)."
    ),
    "not_acknowledged": _(
        "Too few custodians acknowledged this bid before the deadline by their own clocks: it is late and "
        "is not opened."
    ),
    "closures_missing": _(
        "Too few custodians gave their closure of the section (they cannot be reached): try again later."
    ),
    "no_custodian_set": _("The centre has no custodian set: it takes no sealed bids yet."),
    "machine": _("The sealing machine's record inside the bid is malformed."),
    "too_early": _("It is before the opening time."),
    "price_sealed": _(
        "It is a price envelope: it is opened only in the second session (二次开标), from the time the"
        " initiator set for it."
    ),
    "not_passed": _(
        "It is a price envelope of a bidder not among those that passed the technical review: it is never"
        " opened."
    ),
    "window_open": _(
        "The decryption window the documents set is still open: until it closes the bid is its bidder's to"
        " release; the custodians open it only after that (the documents' remedy)."
    ),
    "window_closed": _(
        "The decryption window the documents set has closed: the bidder's release is no longer accepted"
        " (the documents' remedy applies)."
    ),
    "withdrawn": _("The bid was withdrawn: it is not opened."),
    "superseded": _(
        "The bid was replaced by the bidder's later bid: only the last counts, it is not opened."
    ),
    "opened": _("The bid is opened already."),
    "key": _("The key does not unwrap."),
    "commitment": _("The released key does not match the key the bid committed to."),
    "chunk": _("A part of the encrypted file does not verify: it was altered, reordered or cut."),
    "manifest": _("The documents inside do not match the bid's manifest."),
    "header": _("The stored file's header is not the one received: it was changed in storage."),
    "opening_sheet": _("The opening sheet does not follow ggzy-opening-sheet-v1."),
    "custodians": _("Its key shares are not for the centre's current custodian set."),
    "no_envelope": _("It carries no key shares for custodians: this bid can be opened only by its bidder."),
    "shares_missing": _("Fewer custodians than needed released a valid share."),
    "shares_wrong": _(
        "The custodians' shares make no key the bid committed to: the bidder sealed it wrongly."
    ),
    # the custodian set
    "unsigned": _("A member has not signed the custodian set."),
    "pin": _("The custodian set is not one the client knows."),
    "centre": _("The custodian set is for another centre."),
    "opening_key": _("The custodian set names another opening key than the platform's."),
    "witness": _("The custodian set pins another witness log than the platform's."),
    "notice_keys": _("The custodian set honours none of the platform's notice keys."),
}

#: Reasons whose word means something else for a custodian set than for a bid (REASONS speaks of bids).
SET_REASONS: dict[str, Promise] = {
    "malformed": _("The custodian set is not a readable ggzy-custodian-set-v2."),
    "signature": _("A signature on the custodian set does not verify with the certificate it names."),
}
