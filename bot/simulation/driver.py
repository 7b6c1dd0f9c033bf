"""Acting as Telegram users against the fake Bot API: people, groups, messages, buttons."""

from __future__ import annotations

from typing import Any

from bot.simulation.fake_api import BOT_ID, FakeBotApi, FakeChat, FakeUser, JSONDict, Sent

# The senders Telegram shows for messages on behalf of a chat: an anonymous group admin, and
# a channel (a linked channel's post, or a member writing "as" the channel).
GROUP_ANONYMOUS_BOT: JSONDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT: JSONDict = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}
# What a ChatMember object carries beyond user and status, by status.
_ADMIN_RIGHTS = [
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
]
_RESTRICTIONS = [
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
    "can_react_to_messages",
]


class TelegramDriver:
    """Plays users: creates them and their groups, sends, taps and edits, and reads chats."""

    def __init__(self, api: FakeBotApi) -> None:
        """Drive the users of this fake Bot API."""
        self.api = api

    def user(self, first_name: str, language_code: str = "") -> FakeUser:
        """A new Telegram user (whose app speaks `language_code`, if given)."""
        user = FakeUser(next(self.api._user_ids), first_name, language_code=language_code)
        self.api.users[user.id] = user
        return user

    def group(self, title: str, members: list[FakeUser]) -> FakeChat:
        """A new group with these members (the bot is added separately)."""
        chat = FakeChat(
            -(4_000_000_000 + next(self.api._chat_ids)), title, members=[m.id for m in members]
        )
        self.api.chats[chat.id] = chat
        return chat

    def _update(self, **body: Any) -> JSONDict:
        update = {"update_id": next(self.api._update_ids), **body}
        self.api.pending_updates.append(update)
        self.api.date += 1
        return update

    def _member_update(self, chat: FakeChat, by: FakeUser, old: str, new: str) -> JSONDict:
        return self._update(
            my_chat_member={
                "chat": chat.json(),
                "from": by.json(),
                "date": self.api.date,
                "old_chat_member": {"user": self.api.bot, "status": old},
                "new_chat_member": {"user": self.api.bot, "status": new},
            }
        )

    def add_bot(self, chat: FakeChat, by: FakeUser) -> JSONDict:
        """`by` adds the bot to the group."""
        chat.bot_member = True
        return self._member_update(chat, by, "left", "member")

    def remove_bot(self, chat: FakeChat, by: FakeUser) -> JSONDict:
        """`by` removes the bot from the group."""
        chat.bot_member = False
        return self._member_update(chat, by, "member", "left")

    def bot_status(self, chat: FakeChat | FakeUser, by: FakeUser, old: str, new: str) -> JSONDict:
        """The bot's status in `chat` changes from `old` to `new`, as `by` did it.

        Statuses: left, member, administrator, kicked, restricted (still a member) and
        restricted_out (restricted and not a member). In a private chat, kicked is a block.
        """

        def member(status: str) -> JSONDict:
            """The bot's ChatMember object with this status."""
            body: JSONDict = {"user": self.api.bot, "status": status.split("_")[0]}
            if status == "administrator":
                body.update(dict.fromkeys(_ADMIN_RIGHTS, False), can_manage_chat=True)
            elif status == "kicked":
                body["until_date"] = 0
            elif status.startswith("restricted"):
                body.update(dict.fromkeys(_RESTRICTIONS, False), until_date=0)
                body["is_member"] = status == "restricted"
            return body

        inside = new in ("member", "administrator", "restricted")
        if isinstance(chat, FakeUser):
            chat.blocked = new == "kicked"
        else:
            chat.bot_member, chat.bot_admin = inside, new == "administrator"
        return self._update(
            my_chat_member={
                "chat": chat.chat_json() if isinstance(chat, FakeUser) else chat.json(),
                "from": by.json(),
                "date": self.api.date,
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        )

    def channel(self, title: str) -> FakeChat:
        """A new channel (its posts and messages sent "as" it carry `sender_chat`)."""
        chat = FakeChat(-(1_000_000_000_000 + next(self.api._chat_ids)), title, "channel")
        self.api.chats[chat.id] = chat
        return chat

    def raw_message(
        self,
        chat: FakeChat | FakeUser,
        sender: JSONDict,
        extra: JSONDict,
        sender_chat: FakeChat | None = None,
        kind: str = "message",
    ) -> JSONDict:
        """A message update exactly as given: no privacy mode, any sender (`kind`:
        message or channel_post)."""
        message_id = self.api.next_message_id(chat.id)
        message: JSONDict = {
            "message_id": message_id,
            "date": self.api.date,
            "chat": self.api.chat_json(chat.id),
            **extra,
        }
        if kind != "channel_post":
            message["from"] = sender
        if sender_chat is not None:
            message["sender_chat"] = sender_chat.json()
        self.api.messages[(chat.id, message_id)] = message
        return self._update(**{kind: message})

    def channel_post(self, channel: FakeChat, text: str) -> JSONDict:
        """A post in a channel the bot is in."""
        return self.raw_message(channel, CHANNEL_BOT, {"text": text}, channel, "channel_post")

    def anonymous_admin(self, group: FakeChat, extra: JSONDict) -> JSONDict:
        """An anonymous administrator writes in the group (sender_chat is the group)."""
        return self.raw_message(group, GROUP_ANONYMOUS_BOT, extra, group)

    def as_channel(self, group: FakeChat, channel: FakeChat, extra: JSONDict) -> JSONDict:
        """A message in the group on behalf of a channel."""
        return self.raw_message(group, CHANNEL_BOT, extra, channel)

    def raw_callback(
        self, user: FakeUser | JSONDict, data: str | None, message: JSONDict | None
    ) -> JSONDict:
        """A button press with any data, under any message (None: an inline message)."""
        query: JSONDict = {
            "id": str(next(self.api._update_ids)),
            "from": user.json() if isinstance(user, FakeUser) else user,
            "chat_instance": str(message["chat"]["id"]) if message else "inline",
        }
        if message is None:
            query["inline_message_id"] = "inline-" + query["id"]
        else:
            query["message"] = message
        if data is not None:
            query["data"] = data
        return self._update(callback_query=query)

    def join_group(self, chat: FakeChat, user: FakeUser) -> None:
        """A third person joins the group."""
        chat.members.append(user.id)

    def _message(self, user: FakeUser, chat_id: int, extra: JSONDict) -> JSONDict:
        message_id = self.api.next_message_id(chat_id)
        message: JSONDict = {
            "message_id": message_id,
            "date": self.api.date,
            "chat": self.api.chat_json(chat_id),
            "from": user.json(),
            **extra,
        }
        self.api.messages[(chat_id, message_id)] = message
        return message

    def send(
        self,
        user: FakeUser,
        chat: FakeChat | FakeUser,
        text: str = "",
        reply_to: int | None = None,
        media: str | None = None,
        caption: str | None = None,
        album: str | None = None,
    ) -> JSONDict | None:
        """`user` sends a message (`album`: an item of that media group); None when privacy
        mode would hide it from the bot."""
        chat_id = chat.id
        extra: JSONDict = {"media_group_id": album} if album else {}
        if text:
            extra["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if media:
            extra.update(self._media(media))
            if caption:
                extra["caption"] = caption
        if reply_to is not None:
            replied = self.api.messages.get((chat_id, reply_to))
            if replied is not None:
                extra["reply_to_message"] = replied
        if isinstance(chat, FakeUser):
            user.started = user.started or text.startswith("/start")
        else:
            to_bot = replied_from_bot = False
            if reply_to is not None and "reply_to_message" in extra:
                replied_from_bot = extra["reply_to_message"].get("from", {}).get("id") == BOT_ID
            to_bot = text.startswith("/") or replied_from_bot or chat.bot_admin
            if not to_bot:
                self._message(user, chat_id, extra)
                return None  # privacy mode: the bot never sees it
        message = self._message(user, chat_id, extra)
        return self._update(message=message)

    @staticmethod
    def media(kind: str) -> JSONDict:
        """The body of a media message: voice, video_note, video, photo, sticker, document,
        animation, audio, location, contact or dice."""
        return TelegramDriver._media(kind)

    @staticmethod
    def _media(kind: str) -> JSONDict:
        file = {"file_id": f"{kind}-file", "file_unique_id": f"{kind}-unique"}
        if kind == "voice":
            return {"voice": {**file, "duration": 12}}
        if kind == "video_note":
            return {"video_note": {**file, "length": 240, "duration": 9}}
        if kind == "video":
            return {"video": {**file, "width": 640, "height": 480, "duration": 7}}
        if kind == "photo":
            return {"photo": [{**file, "width": 800, "height": 600}]}
        if kind == "sticker":
            return {
                "sticker": {
                    **file,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        if kind == "document":
            return {"document": {**file, "file_name": "notes.pdf", "mime_type": "application/pdf"}}
        if kind == "animation":
            return {"animation": {**file, "width": 320, "height": 240, "duration": 3}}
        if kind == "audio":
            return {"audio": {**file, "duration": 180}}
        if kind == "location":
            return {"location": {"latitude": 52.52, "longitude": 13.405}}
        if kind == "contact":
            return {"contact": {"phone_number": "+10000000000", "first_name": "Kim"}}
        if kind == "dice":
            return {"dice": {"emoji": "🎲", "value": 4}}
        raise ValueError(kind)

    def command(self, user: FakeUser, chat: FakeChat | FakeUser, text: str) -> JSONDict:
        """`user` sends a command; in groups it carries the @bot suffix, as menus send it."""
        if isinstance(chat, FakeChat):
            head, _sep, rest = text.partition(" ")
            text = f"{head}@{self.api.bot['username']}" + (f" {rest}" if rest else "")
        update = self.send(user, chat, text)
        assert update is not None
        return update

    def start(self, user: FakeUser, payload: str = "") -> JSONDict:
        """`user` opens the private chat (optionally through a deep link)."""
        user.started = True
        return self.command(user, user, "/start" + (f" {payload}" if payload else ""))

    def press(self, user: FakeUser, sent: Sent, data: str) -> JSONDict:
        """`user` taps the inline button with callback `data` under the bot's message."""
        datas = [b.get("callback_data") for row in sent.buttons for b in row]
        if data not in datas:
            raise AssertionError(f"no button {data!r} under that message: {datas}")
        message = self.api.messages[(sent.chat_id, sent.message_id)]
        return self._update(
            callback_query={
                "id": str(next(self.api._update_ids)),
                "from": user.json(),
                "chat_instance": str(sent.chat_id),
                "message": message,
                "data": data,
            }
        )

    def edit(
        self, user: FakeUser, chat: FakeChat | FakeUser, message_id: int, text: str
    ) -> JSONDict:
        """`user` edits an earlier message of theirs."""
        message = dict(self.api.messages[(chat.id, message_id)])
        if "text" in message:
            message["text"] = text
        else:
            message["caption"] = text
        message["edit_date"] = self.api.date
        self.api.messages[(chat.id, message_id)] = message
        return self._update(edited_message=message)

    def migrate(self, chat: FakeChat) -> tuple[FakeChat, JSONDict]:
        """The group becomes a supergroup: a new chat id, and a service message in the old one."""
        new = FakeChat(
            -(1_000_000_000_000 + next(self.api._chat_ids)),
            chat.title,
            "supergroup",
            list(chat.members),
            chat.bot_member,
        )
        self.api.chats[new.id] = new
        chat.migrated_to = new.id
        message = self._message(
            FakeUser(chat.members[0], "x"), chat.id, {"migrate_to_chat_id": new.id}
        )
        message["from"] = self.api.users[chat.members[0]].json()
        return new, self._update(message=message)

    # --- what chats show -------------------------------------------------------------------

    def inbox(self, chat: FakeChat | FakeUser) -> list[Sent]:
        """Everything the bot sent to this chat, oldest first."""
        return [s for s in self.api.sent if s.chat_id == chat.id]

    def last(self, chat: FakeChat | FakeUser) -> Sent:
        """The bot's latest message in this chat."""
        messages = self.inbox(chat)
        if not messages:
            raise AssertionError(f"the bot sent nothing to {chat}")
        return messages[-1]

    def button_data(self, sent: Sent, startswith: str) -> str:
        """The callback data of the first button under `sent` that starts with `startswith`."""
        for row in sent.buttons:
            for b in row:
                if str(b.get("callback_data", "")).startswith(startswith):
                    return str(b["callback_data"])
        raise AssertionError(f"no button starting {startswith!r}")

    def url_buttons(self, sent: Sent) -> list[str]:
        """The URLs of the link buttons under `sent`."""
        return [str(b["url"]) for row in sent.buttons for b in row if "url" in b]

    def leave_group(self, chat: FakeChat, user: FakeUser) -> None:
        """`user` leaves the group."""
        chat.members.remove(user.id)
