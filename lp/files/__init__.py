"""Files (attachments) on a request or a person: uploaded letters, replies, copies; not identity documents."""
