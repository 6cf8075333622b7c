"""The GovStack Consent objects as the API accepts them (pydantic; unknown fields refused)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
MEMBER = r"^[A-Za-z0-9'()+,.=?-]{1,64}/[A-Za-z0-9'()+,.=?-]{1,64}/[A-Za-z0-9'()+,.=?-]{1,64}$"
LawfulBasis = Literal["consent", "legal_obligation", "contract", "vital_interest", "public_task", "legitimate_interest"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyIn(_Strict):
    id: str | None = Field(None, pattern=ID, description="Chosen by the building block when left out")
    name: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=20)
    url: str = Field(min_length=1, max_length=500, description="Permanent URL of this very version of the policy")
    jurisdiction: str | None = Field(None, max_length=100)
    industrySector: str | None = Field(None, max_length=100)
    dataRetentionPeriodDays: int | None = Field(None, ge=0, le=36500)
    geographicRestriction: str | None = Field(None, max_length=100)
    storageLocation: str | None = Field(None, max_length=100)


class Controller(_Strict):
    id: str = Field(pattern=MEMBER, description="The controller's member id, e.g. DEMO/GOV/IDP")
    name: str = Field(min_length=1, max_length=200)
    url: str | None = Field(None, max_length=500)


class Attribute(_Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=500)
    sensitivity: Literal["low", "medium", "high"] = "medium"
    category: str = Field("personal", max_length=100)


class DataAgreementIn(_Strict):
    id: str | None = Field(None, pattern=ID, description="Chosen by the building block when left out")
    version: str = Field(min_length=1, max_length=20)
    controller: Controller
    policy: str = Field(pattern=ID, description="The id of the policy that governs the agreement")
    purpose: str = Field(min_length=1, max_length=1000)
    lawfulBasis: LawfulBasis
    dpia: str = Field("", max_length=1000)
    dataUse: Literal["data_source", "data_using_service"] | None = None
    active: bool = True
    forgettable: bool = False
    attributes: list[Attribute] = Field(default_factory=list, max_length=50)


class IndividualIn(_Strict):
    externalId: str = Field(min_length=1, max_length=64, description="e.g. the person's personal code")
    externalIdType: str = Field("personal_code", min_length=1, max_length=50)
    identityProviderId: str | None = Field(None, max_length=255)


class ConsentRecordIn(_Strict):
    """A consent record as an individual creates it (a draft turned real)."""

    dataAgreement: str = Field(pattern=ID)
    optIn: bool = True
    dataConsumer: str | None = Field(None, pattern=MEMBER, description="The member the consent is given to (extension)")


class ConsentRecordUpdate(_Strict):
    optIn: bool = Field(description="false withdraws the consent (a new revision); true gives it again")


class SignatureIn(_Strict):
    """The individual's signature of the record's current revision: a compact JWS (ES256 or RS256)
    over ``verificationPayloadHash``, with the public key in ``verificationJwsHeader`` (``{"jwk": ...}``)."""

    signature: str = Field(min_length=10, max_length=8000)
    verificationMethod: Literal["JWS"] = "JWS"
    verificationPayloadHash: str = Field(pattern=r"^[0-9a-f]{64}$")
    verificationSignedBy: str = Field(min_length=1, max_length=500)
    verificationSignedAs: Literal["individual", "guardian", "other"] | None = "individual"
    verificationJwsHeader: str = Field(min_length=2, max_length=4000)
    verificationArtifact: str | None = Field(None, max_length=4000)


class CreateConsentRecord(_Strict):
    consentRecord: ConsentRecordIn
    signature: SignatureIn | None = None
