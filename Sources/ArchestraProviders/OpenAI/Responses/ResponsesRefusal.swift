import ArchestraCore
import Crypto

/// The assistant message that carries a refusal in the Responses shape. No `refusal` content part: agent
/// frameworks read one as the model refusing and raise, so the agent would stop instead of reading why its call
/// was denied.
enum ResponsesRefusal {
    /// `msg_` and 32 hex digits derived from the response and the refused call, so the same refusal has the
    /// same id (the adapter has no source of randomness, by design).
    static func messageId(responseId: String, callId: String) -> String {
        var bytes = Array(responseId.utf8)
        bytes.append(0)
        bytes += Array(callId.utf8)
        let digest = SHA256.hash(data: bytes)
        return "msg_" + digest.prefix(16).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The message item; `in_progress` with no content when a stream announces it.
    static func message(_ refusal: Refusal, responseId: String, status: String) -> JSONValue {
        let content: JSONValue = status == "completed" ? [textPart(refusal.content)] : []
        return [
            "type": "message", "id": .string(messageId(responseId: responseId, callId: refusal.callId)),
            "status": .string(status), "role": "assistant", "content": content,
        ]
    }

    static func textPart(_ text: String) -> JSONValue {
        ["type": "output_text", "text": .string(text), "annotations": []]
    }
}
