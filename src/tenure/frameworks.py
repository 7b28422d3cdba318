"""The compliance framework catalogue checks map to, and typed references into it.

One catalogue: OWASP Top 10 Non-Human Identities (2025), OWASP Top 10 for Agentic
Applications (2026), NIST CSF 2.0, SOC 2 Trust Services
Criteria (2017, revised points of focus 2022) and ISO/IEC 27001:2022 Annex A. A reference is
written ``framework:control`` (``owasp-nhi:NHI1``); the helpers refuse controls the catalogue
does not have, so a typo fails at import time, and a test walks every check's references.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class Framework:
    """A published control framework and the controls Tenure can map to."""

    id: str
    name: str
    version: str
    controls: MappingProxyType[str, str]


@dataclass(frozen=True, slots=True, order=True)
class FrameworkRef:
    """A reference to one control of one framework."""

    framework: str
    control: str

    @property
    def key(self) -> str:
        """The short form used in outputs: ``owasp-nhi:NHI1``."""
        return f"{self.framework}:{self.control}"

    @property
    def title(self) -> str:
        """The control's title from the catalogue."""
        return FRAMEWORKS[self.framework].controls[self.control]

    def __str__(self) -> str:
        return self.key


def _framework(id_: str, name: str, version: str, controls: dict[str, str]) -> Framework:
    return Framework(id_, name, version, MappingProxyType(controls))


FRAMEWORKS: Final[MappingProxyType[str, Framework]] = MappingProxyType({
    f.id: f for f in (
        _framework("owasp-nhi", "OWASP Top 10 Non-Human Identities", "2025", {
            "NHI1": "Improper Offboarding",
            "NHI2": "Secret Leakage",
            "NHI3": "Vulnerable Third-Party NHI",
            "NHI4": "Insecure Authentication",
            "NHI5": "Overprivileged NHI",
            "NHI6": "Insecure Cloud Deployment Configurations",
            "NHI7": "Long-Lived Secrets",
            "NHI8": "Environment Isolation",
            "NHI9": "NHI Reuse",
            "NHI10": "Human Use of NHI",
        }),
        _framework("owasp-asi", "OWASP Top 10 for Agentic Applications", "2026", {
            "ASI01": "Agent Goal Hijack",
            "ASI02": "Tool Misuse and Exploitation",
            "ASI03": "Identity and Privilege Abuse",
            "ASI04": "Agentic Supply Chain Vulnerabilities",
            "ASI05": "Unexpected Code Execution",
            "ASI06": "Memory and Context Poisoning",
            "ASI07": "Insecure Inter-Agent Communication",
            "ASI08": "Cascading Failures",
            "ASI09": "Human-Agent Trust Exploitation",
            "ASI10": "Rogue Agents",
        }),
        _framework("nist-csf", "NIST Cybersecurity Framework", "2.0", {
            "PR.AA-01": "Identities and credentials for authorized users, services, and "
                        "hardware are managed by the organization",
            "PR.AA-02": "Identities are proofed and bound to credentials based on the context "
                        "of interactions",
            "PR.AA-03": "Users, services, and hardware are authenticated",
            "PR.AA-04": "Identity assertions are protected, conveyed, and verified",
            "PR.AA-05": "Access permissions, entitlements, and authorizations are defined in a "
                        "policy, managed, enforced, and reviewed, and incorporate the "
                        "principles of least privilege and separation of duties",
            "PR.AA-06": "Physical access to assets is managed, monitored, and enforced "
                        "commensurate with risk",
            "DE.CM-03": "Personnel activity and technology usage are monitored to find "
                        "potentially adverse events",
            "DE.AE-02": "Potentially adverse events are analyzed to better understand "
                        "associated activities",
            "GV.RR-04": "Cybersecurity is included in human resources practices",
        }),
        _framework("soc2", "SOC 2 Trust Services Criteria", "2017 (rev. 2022)", {
            "CC6.1": "Logical access security software, infrastructure, and architectures "
                     "are implemented to protect information assets",
            "CC6.2": "Prior to issuing system credentials and granting access, users are "
                     "registered and authorized; credentials are removed when access is no "
                     "longer authorized",
            "CC6.3": "Access to data and assets is authorized, modified, or removed based on "
                     "roles, responsibilities, and least privilege",
            "CC6.6": "Logical access security measures protect against threats from sources "
                     "outside system boundaries",
            "CC7.2": "System components are monitored for anomalies indicative of malicious "
                     "acts, natural disasters, and errors",
        }),
        _framework("iso27001", "ISO/IEC 27001 Annex A", "2022", {
            "A.5.15": "Access control",
            "A.5.16": "Identity management",
            "A.5.17": "Authentication information",
            "A.5.18": "Access rights",
            "A.8.2": "Privileged access rights",
            "A.8.16": "Monitoring activities",
        }),
    )
})
"""Every framework Tenure maps checks to, by id."""


def ref(framework: str, control: str) -> FrameworkRef:
    """A reference to ``control`` of ``framework``; unknown ones are a programming error."""
    known = FRAMEWORKS.get(framework)
    if known is None:
        raise KeyError(f"unknown framework {framework!r} (known: {', '.join(FRAMEWORKS)})")
    if control not in known.controls:
        raise KeyError(f"{framework} has no control {control!r}")
    return FrameworkRef(framework, control)


def parse_ref(text: str) -> FrameworkRef:
    """Parse ``framework:control`` (as written in outputs and custom policies)."""
    framework, sep, control = text.partition(":")
    if not sep:
        raise KeyError(f"{text!r} is not framework:control (e.g. owasp-nhi:NHI1)")
    return ref(framework.strip(), control.strip())


def owasp_nhi(control: str) -> FrameworkRef:
    """OWASP Top 10 Non-Human Identities (2025), e.g. ``owasp_nhi("NHI1")``."""
    return ref("owasp-nhi", control)


def owasp_asi(control: str) -> FrameworkRef:
    """OWASP Top 10 for Agentic Applications (2026), e.g. ``owasp_asi("ASI02")``."""
    return ref("owasp-asi", control)


def nist_csf(control: str) -> FrameworkRef:
    """NIST CSF 2.0, e.g. ``nist_csf("PR.AA-05")``."""
    return ref("nist-csf", control)


def soc2(control: str) -> FrameworkRef:
    """SOC 2 Trust Services Criteria, e.g. ``soc2("CC6.2")``."""
    return ref("soc2", control)


def iso27001(control: str) -> FrameworkRef:
    """ISO/IEC 27001:2022 Annex A, e.g. ``iso27001("A.5.18")``."""
    return ref("iso27001", control)
