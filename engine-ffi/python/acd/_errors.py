"""Typed exceptions, one per ``acd_result`` code of the C ABI.

Every failing call raises the subclass of :class:`AcdError` named after its
result code (``ACD_RESULT_UNKNOWN_AGENT`` -> :class:`UnknownAgentError`), with
the code, its C name and ``acd_last_error_message()`` as the message.
"""

from __future__ import annotations

from typing import Dict, Type


class AcdError(Exception):
    """A call into ``libacd`` failed. ``code`` is the ``acd_result`` value,
    ``name`` its C name (``ACD_RESULT_...``)."""

    code: int = -1
    name: str = "ACD_RESULT_UNKNOWN_CODE"

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message


class EngineClosedError(AcdError, RuntimeError):
    """The engine was closed (``close()``, ``with`` block ended) and used again."""


def _code(value: int, cname: str) -> "type":
    def decorate(cls: Type[AcdError]) -> Type[AcdError]:
        cls.code = value
        cls.name = cname
        BY_CODE[value] = cls
        return cls

    return decorate


#: The exception class of each result code.
BY_CODE: Dict[int, Type[AcdError]] = {}


@_code(2, "ACD_RESULT_NULL_POINTER")
class NullPointerError(AcdError):
    """A required pointer was NULL (a bug in these bindings if it happens)."""


@_code(3, "ACD_RESULT_INVALID_UTF8")
class InvalidUtf8Error(AcdError):
    """A string was not UTF-8."""


@_code(4, "ACD_RESULT_INVALID_JSON")
class InvalidJsonError(AcdError, ValueError):
    """A configuration, command or snapshot did not parse as the expected type."""


@_code(5, "ACD_RESULT_BUFFER_TOO_SMALL")
class BufferTooSmallError(AcdError):
    """An output buffer was too small (handled inside the bindings)."""


@_code(6, "ACD_RESULT_BAD_HANDLE")
class BadHandleError(AcdError):
    """Not a live handle (freed, or never one)."""


@_code(7, "ACD_RESULT_PANIC")
class PanicError(AcdError):
    """A panic inside the engine was caught at the C boundary; the engine is poisoned."""


@_code(8, "ACD_RESULT_POISONED")
class PoisonedError(AcdError):
    """An earlier call on this engine panicked: build a new one (e.g. with Engine.load)."""


@_code(9, "ACD_RESULT_INVALID_ARGUMENT")
class InvalidArgumentError(AcdError, ValueError):
    """An argument was outside its domain (unknown media name, malformed scenario)."""


@_code(10, "ACD_RESULT_INCONSISTENT")
class InconsistentError(AcdError):
    """A snapshot is JSON but not a sound engine state, or an invariant check failed."""


@_code(100, "ACD_RESULT_UNKNOWN_TENANT")
class UnknownTenantError(AcdError):
    """The tenant is not hosted by this engine."""


@_code(101, "ACD_RESULT_UNKNOWN_AGENT")
class UnknownAgentError(AcdError):
    """No such agent."""


@_code(102, "ACD_RESULT_UNKNOWN_GROUP")
class UnknownGroupError(AcdError):
    """No such group."""


@_code(103, "ACD_RESULT_UNKNOWN_CALL")
class UnknownCallError(AcdError):
    """No such live call."""


@_code(105, "ACD_RESULT_DUPLICATE_CALL")
class DuplicateCallError(AcdError):
    """A call with this id is already live."""


@_code(106, "ACD_RESULT_DUPLICATE")
class DuplicateError(AcdError):
    """An agent or group with this id already exists."""


@_code(107, "ACD_RESULT_AGENT_STATE")
class AgentStateError(AcdError):
    """The agent's state does not allow the command."""


@_code(108, "ACD_RESULT_CALL_STATE")
class CallStateError(AcdError):
    """The call's state does not allow the command."""


@_code(109, "ACD_RESULT_NOT_OFFERED_TO")
class NotOfferedToError(AcdError):
    """The call is not offered to the named agent."""


@_code(110, "ACD_RESULT_STALE_EPOCH")
class StaleEpochError(AcdError):
    """Stale reservation epoch; the report was ignored (R-2.2)."""


@_code(111, "ACD_RESULT_MAINTENANCE")
class MaintenanceError(AcdError):
    """Logon refused in maintenance mode (R-2.5)."""


@_code(112, "ACD_RESULT_UNKNOWN_REASON")
class UnknownReasonError(AcdError):
    """The reason code is not in the catalogue (R-1.5)."""


@_code(113, "ACD_RESULT_MEDIA_NOT_LOGGED_ON")
class MediaNotLoggedOnError(AcdError):
    """The agent's media channel is not logged on."""


@_code(114, "ACD_RESULT_ALREADY_TAKEN")
class AlreadyTakenError(AcdError):
    """The call was taken by another agent first (R-5.2)."""


@_code(115, "ACD_RESULT_NOT_PERMITTED")
class NotPermittedError(AcdError):
    """The agent lacks the privilege or skill (R-5.1)."""


@_code(116, "ACD_RESULT_IN_USE")
class InUseError(AcdError):
    """The object is in use and cannot be removed."""


@_code(117, "ACD_RESULT_TIME_WENT_BACKWARDS")
class TimeWentBackwardsError(AcdError, ValueError):
    """``now_ms`` is earlier than the engine's time."""


@_code(118, "ACD_RESULT_CONFIG")
class ConfigError(AcdError, ValueError):
    """Invalid configuration."""


@_code(119, "ACD_RESULT_MEDIA_MISMATCH")
class MediaMismatchError(AcdError):
    """The call's media differs from its group's."""


@_code(120, "ACD_RESULT_PICK_NO_DISPATCH_LICENCE")
class PickNoDispatchLicenceError(AcdError):
    """Pick refused: the agent has no dispatch licence (R-5.1)."""


@_code(121, "ACD_RESULT_PICK_NOT_SHOWN_IN_DISPATCH")
class PickNotShownInDispatchError(AcdError):
    """Pick refused: the call's group is not shown in dispatch (R-5.1)."""


@_code(122, "ACD_RESULT_PICK_NOT_SKILLED")
class PickNotSkilledError(AcdError):
    """Pick refused: the agent is not skilled for the group (R-5.1)."""


@_code(123, "ACD_RESULT_PICK_RESERVED_FOR_ANOTHER")
class PickReservedForAnotherError(AcdError):
    """Pick refused: the call is reserved for another agent (R-4.3)."""


@_code(124, "ACD_RESULT_PICK_WAITING_FOR_AGENT_WITHOUT_DISPATCH")
class PickWaitingForAgentWithoutDispatchError(AcdError):
    """Pick refused: the call waits for an agent without dispatch access (R-4.7)."""


@_code(125, "ACD_RESULT_TIME_OUT_OF_RANGE")
class TimeOutOfRangeError(AcdError, ValueError):
    """``now_ms`` is past the latest time the engine accepts (2**53 ms)."""


@_code(126, "ACD_RESULT_AUTH_NUMBER")
class AuthNumberError(AcdError, ValueError):
    """Authentication named another number than the tenant's number to call
    for authentication (R-9.5)."""


def error_for(code: int, message: str) -> AcdError:
    """The exception for a failing ``acd_result`` ``code``."""
    cls = BY_CODE.get(code, AcdError)
    return cls(f"{cls.name}: {message}" if message else cls.name, code)
