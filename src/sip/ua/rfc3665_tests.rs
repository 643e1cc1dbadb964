//! RFC 3665 flows that involve a UA, checked message by message.
