"""Acting as Telegram users against the fake Bot API: people, groups, messages, buttons."""

from __future__ import annotations

from typing import Any

from bot.simulation.fake_api import BOT_ID, FakeBotApi, FakeChat, FakeUser, JSONDict, Sent


class TelegramDriver:
    """Plays users: creates them and their groups, sends, taps and edits, and reads chats."""

    def __init__(self, api: FakeBotApi) -> None:
        """Drive the users of this fake Bot API."""
        self.api = api

    def user(self, first_name: str) -> FakeUser:
        """A new Telegram user."""
        user = FakeUser(next(self.api._user_ids), first_name)
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
    ) -> JSONDict | None:
        """`user` sends a message; None when privacy mode would hide it from the bot."""
        chat_id = chat.id
        extra: JSONDict = {}
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
            to_bot = text.startswith("/") or replied_from_bot
            if not to_bot:
                self._message(user, chat_id, extra)
                return None  # privacy mode: the bot never sees it
        message = self._message(user, chat_id, extra)
        return self._update(message=message)

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
