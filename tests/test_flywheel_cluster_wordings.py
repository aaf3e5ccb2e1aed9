"""A merged session worded its questions and answers its own way: the tree finds the same step and the same option
under other words, keeps those words beside its own, and still refuses what means something else (pure functions,
hand-built trees and paths, exact expected results)."""

from __future__ import annotations

import copy

from core.flywheel.builders import UNEXPLORED, IdMaker, build_chain
from core.flywheel.clusters import (
    _reach_conflict,
    merge_path,
    named_terms,
    negated_alone,
    same_choices,
    same_step,
    scope,
)
from core.trees import MAX_DEPTH, MAX_WORDINGS, node_text, to_graph, validate_tree
from tests.test_flywheel_clusters import BASE, WHICH_ERROR, ask, do, path, support, wordings

MIC_WORKS = "Does the microphone work outside Teams, e.g. in Sound settings > Input?"
WHICH_MIC = "In Teams Settings > Devices, which microphone is selected?"
FIRST = path(
    ask(MIC_WORKS, "Yes", "No"),
    ask(WHICH_MIC, "Built-in laptop mic", "The headset", "Nothing listed"),
    do("Select the headset as the microphone in Teams Settings > Devices and make a test call"),
    resolution="Teams was using the laptop's built-in mic; selected the headset.",
)


def first_tree() -> dict:
    return build_chain(list(FIRST.items), FIRST.resolution, IdMaker(), None)


def labels(node: dict) -> list[str]:
    return [child["label"] for child in node["children"]]


def test_an_answer_in_other_words_takes_the_option_that_means_it_and_is_kept_beside_it() -> None:
    second = path(
        ask("Is the mic picked up in other apps (Windows sound input test)?", "Yes, the level bar moves", "No"),
        ask("Which mic does Teams have under Settings > Devices > Microphone?", "Laptop microphone array", "None"),
        do("Change the Teams microphone to the headset, then make a test call"),
        resolution="Switched Teams' microphone to the Jabra in device settings.",
    )
    result = merge_path(first_tree(), second)
    assert (result.merged, result.reason) == (True, "Added another resolution to solution 's1'.")
    tree = result.tree
    assert labels(tree) == ["Yes", "No"]
    assert labels(tree["children"][0]) == ["Built-in laptop mic", "The headset", "Nothing listed"]
    assert support(tree) == {"q1": 2, "q2": 2, "a1": 2, "s1": 2, "s2": None, "s3": None, "s4": None}
    assert wordings(tree) == {
        "q1": (["Is the mic picked up in other apps (Windows sound input test)?"], None),
        "q2": (["Which mic does Teams have under Settings > Devices > Microphone?"], ["Yes, the level bar moves"]),
        "a1": (["Change the Teams microphone to the headset, then make a test call"], ["Laptop microphone array"]),
    }
    assert validate_tree(tree) == []


def test_a_recorded_wording_lets_a_third_session_match_what_the_first_wording_alone_would_not() -> None:
    third = path(
        ask("Does the microphone work in other applications?", "No"),
        do("Update the headset firmware"),
        resolution="Headset firmware updated.",
    )
    fourth = path(
        ask("Can other programs use the microphone in other applications?", "Yes"),
        ask(WHICH_MIC, "Built-in laptop mic"),
        do("Select the headset as the microphone in Teams Settings > Devices and make a test call"),
        resolution="Selected the headset.",
    )
    assert not same_step(MIC_WORKS, fourth.items[0].text)
    tree = merge_path(first_tree(), third).tree
    result = merge_path(tree, fourth)
    assert (result.merged, result.reason) == (True, "Followed a known path.")
    assert result.tree["wordings"] == [
        "Does the microphone work in other applications?",
        "Can other programs use the microphone in other applications?",
    ]


def test_options_that_name_other_codes_or_say_the_opposite_are_never_one_answer() -> None:
    tree = build_chain(
        [
            ask("What error does the VPN client show?", "Error 691", "Other error"),
            do("Reset the user's password"),
        ],
        "Password reset.",
        IdMaker(),
        None,
    )
    other = path(
        ask("What error does the VPN client show?", "Other error"),
        do("Collect the client log"),
        resolution="Log sent to the vendor.",
    )
    assert labels(merge_path(tree, other).tree) == ["Error 691", "Other error"]
    connected = build_chain([ask("Is the tunnel up?", "Connected", "Disconnected")], "Fine.", IdMaker(), None)
    refused = merge_path(connected, path(ask("Is the tunnel up?", "Not connected"), resolution="Restarted."))
    assert labels(refused.tree) == ["Connected", "Disconnected", "Not connected"]


def test_a_yes_to_the_sessions_own_question_takes_the_option_it_restates() -> None:
    tree = build_chain(
        [ask("Is this classic Teams or the new Teams?", "Classic", "New"), do("Delete the classic Teams cache folder")],
        "Cache cleared.",
        IdMaker(),
        None,
    )
    new = path(
        ask("Is the client the new Teams (ms-teams.exe)?", "Yes", "No"),
        do("Reset the new Teams app from Installed apps > Advanced options"),
        resolution="Reset the new Teams app.",
    )
    result = merge_path(tree, new)
    assert (result.merged, result.reason) == (
        True,
        "Explored option 'New' of 'Is this classic Teams or the new Teams?'.",
    )
    assert wordings(result.tree) == {
        "q1": (["Is the client the new Teams (ms-teams.exe)?"], None),
        "a2": (None, ["Yes"]),
    }
    # The bare "Yes" is recorded on "New" but never matches on its own: a later "yes" to "Is it classic Teams?"
    # takes "Classic".
    classic = path(
        ask("Is it classic Teams?", "Yes", "No"),
        do("Delete the classic Teams cache folder"),
        resolution="Cache cleared.",
    )
    again = merge_path(result.tree, classic)
    assert (again.merged, again.reason) == (True, "Followed a known path.")
    assert support(again.tree)["a1"] == 2


def test_a_no_among_several_options_takes_the_one_whose_next_step_the_session_took() -> None:
    tree = build_chain(
        [ask("What state is the Windows Audio service in?", "Running", "Stopped", "Stuck")],
        "Not the service.",
        IdMaker(),
        None,
    )
    state = "What state is the Windows Audio service in?"
    for answer, action, fix in (
        ("Stopped", "Restart the Windows Audio service", "Restarted."),
        ("Stuck", "Kill the audiodg process and reboot", "Rebooted."),
    ):
        tree = merge_path(tree, path(ask(state, answer), do(action), resolution=fix)).tree
    no = path(
        ask("Is the Windows Audio service running?", "No", "Yes"),
        do("Restart the Windows Audio service from services.msc"),
        resolution="Restarted the service.",
    )
    result = merge_path(tree, no)
    assert (result.merged, result.reason) == (True, "Followed a known path.")
    assert support(result.tree)["a1"] == 2
    assert labels(result.tree) == ["Running", "Stopped", "Stuck"]


def test_a_question_worded_otherwise_with_the_same_named_options_is_the_same_question() -> None:
    reason_shown = ask("What is the reason shown?", "Invalid characters in the name", "Path too long", "File locked")
    tree = build_chain([reason_shown, do("Rename the file")], "Renamed.", IdMaker(), None)
    other_words = ask("What does OneDrive say about the file?", "Path too long", "Name not allowed", "Locked")
    assert not same_step(reason_shown.text, other_words.text)
    assert same_choices(tree, other_words)
    result = merge_path(tree, path(other_words, do("Move the folder up"), resolution="Moved the folder."))
    assert (result.merged, result.reason) == (True, "Explored option 'Path too long' of 'What is the reason shown?'.")
    # Yes and no say nothing, and one shared option is not enough.
    assert not same_choices(tree, ask("Did the user rename it?", "Yes", "No"))
    assert not same_choices(tree, ask("Which folder holds it?", "Path too long", "Documents", "Desktop"))


def test_a_negation_inside_a_differently_worded_question_does_not_make_it_the_opposite() -> None:
    assert negated_alone("Is the VPN not connected?", "Is the VPN connected?")
    assert not same_step("Is the VPN not connected?", "Is the VPN connected?")
    assert not negated_alone(
        "Does the OneDrive activity center list a file it cannot sync?",
        "Is there a sync error in the OneDrive activity centre?",
    )
    assert same_step(
        "Does the OneDrive activity center list a file it cannot sync?",
        "Does the activity center show a file that can't sync?",
    )


def test_names_tell_two_steps_apart_only_when_they_are_what_differs() -> None:
    assert not same_step("Restart the Print Spooler service", "Restart the Windows Search service")
    assert not same_step("Is the Teams client connected?", "Is the VPN client connected?")
    assert same_step(
        "Suspend BitLocker (manage-bde -protectors -disable C:), reboot, then resume protection",
        "Run manage-bde -protectors -disable C: -RebootCount 1, restart, and check protection is back on",
    )
    assert same_step("Did this start right after a BIOS/firmware update?", "Any firmware/UEFI update recently?")
    # A command's switches name no thing.
    assert named_terms("Run manage-bde -protectors -disable C: -RebootCount 1") == frozenset()
    assert named_terms("Set w32tm /SyncFromFlags:manual on the Print Spooler") == {"print_spooler"}


def test_wordings_are_validated_and_shown_on_the_graph() -> None:
    tree = merge_path(
        first_tree(),
        path(
            ask("Is the mic picked up in other apps (Windows sound input test)?", "Yes"),
            ask(WHICH_MIC, "Laptop microphone array"),
            do("Select the headset as the microphone in Teams Settings > Devices and make a test call"),
            resolution="Selected the headset.",
        ),
    ).tree
    nodes, _edges = to_graph(tree)
    shown = {node.id: (node.wordings, node.label_wordings) for node in nodes if node.wordings or node.label_wordings}
    assert shown == {
        "q1": (("Is the mic picked up in other apps (Windows sound input test)?",), ()),
        "a1": ((), ("Laptop microphone array",)),
    }
    tree["wordings"] = ["x"] * (MAX_WORDINGS + 1)
    tree["children"][0]["label_wordings"] = ["", "y" * 201]
    assert validate_tree(tree) == [
        f"node 'q1': wordings must be a list of at most {MAX_WORDINGS} texts",
        "node 'q2': label_wordings must hold non-empty texts of at most 200 characters",
    ]


DEFENDER_FIRST = path(
    ask("Is the quarantined file part of an app the business uses?", "Yes", "No"),
    ask("Has Defender flagged the same file on other devices?", "Yes", "No, just this one"),
    do("Add an Allow indicator for the file's hash in the Defender portal, then restore it from quarantine"),
    resolution="Allow indicator added; the app runs again on every PC.",
)


def test_a_question_in_other_words_is_the_trees_when_its_answer_leads_where_the_session_went_next() -> None:
    tree = build_chain(list(DEFENDER_FIRST.items), DEFENDER_FIRST.resolution, IdMaker(), None)
    other_words = ask("Is the exe something the company knowingly installed?", "Yes", "No")
    assert not same_step(tree["question"], other_words.text)
    second = path(
        other_words,
        ask("Do other PCs show the same alert in the Defender portal?", "No", "Yes"),
        do("Restore the file from Protection history and submit it to Microsoft as a false positive"),
        resolution="Restored on the laptop and submitted the false positive.",
    )
    result = merge_path(tree, second)
    assert (result.merged, result.reason) == (
        True,
        "Explored option 'No, just this one' of 'Has Defender flagged the same file on other devices?'.",
    )
    assert wordings(result.tree)["q1"] == (["Is the exe something the company knowingly installed?"], None)
    assert support(result.tree)["q1"] == 2
    # What follows must be a step: a session that only shares the resolution keeps its own question apart. It is
    # a check the tree does not make, so it goes on where the tree's checks found nothing: after the first
    # question's answer (it led on to the second) at the second question's open answer, and says so.
    ends = path(other_words, resolution="Allow indicator added; the app runs again on every PC.")
    placed = merge_path(tree, ends)
    assert (placed.merged, placed.reason) == (
        True,
        "The session asked 'Is the exe something the company knowingly installed?', which the proposal does not "
        "ask there: its route now follows option 'No, just this one' of 'Has Defender flagged the same file on "
        "other devices?', a check the session did not make.",
    )
    assert wordings(placed.tree) == {}
    # Only its own steps gain support: the two checks it did not make keep the first session's one.
    assert support(placed.tree) == {"q1": 1, "q2": 1, "a1": 1, "s1": 1, "q3": 1, "s4": 1, "s3": None, "s5": None}


def test_an_answer_in_no_words_of_the_options_takes_the_one_the_session_went_on_to() -> None:
    unc = "Does the share open when you type its UNC path in File Explorer?"
    gpo = "Is the drive mapping GPO listed as applied in gpresult /r for the user?"
    tree = build_chain(
        [ask(unc, "Yes", "No"), ask(gpo, "No", "Yes"), do("Add the user to the group the GPO is filtered on")],
        "User added to the drive-map group; drives map at logon.",
        IdMaker(),
        None,
    )
    works = path(
        ask("Does the UNC path to the share work?", "Works", "Doesn't work"),
        ask("Is the drive mapping policy in the user's applied GPOs (gpresult /r)?", "Denied (security filtering)"),
        do("Put the user in the group the drive mapping GPO targets and refresh group policy"),
        resolution="User was missing from the drive map group.",
    )
    result = merge_path(tree, works)
    assert result.merged and labels(result.tree) == ["Yes", "No"]  # no third option "Works" beside "Yes"
    assert wordings(result.tree)["q2"] == (
        ["Is the drive mapping policy in the user's applied GPOs (gpresult /r)?"],
        ["Works"],
    )
    # Where the session went on to something the tree does not ask, "Works" is a new option as before.
    elsewhere = path(
        ask("Does the UNC path to the share work?", "Works", "Doesn't work"),
        do("Reconnect the drive with net use"),
        resolution="Remapped.",
    )
    assert labels(merge_path(tree, elsewhere).tree) == ["Yes", "No", "Works"]


PROFILE_FIRST = path(
    ask("Does the user get the temporary profile on other PCs too, or only on this one?", "Only this PC", "Every PC"),
    ask("In regedit under ProfileList, is there a key for the user's SID ending in .bak?", "Yes", "No"),
    do("Delete the SID key without .bak and rename the .bak key back, then have the user log on again"),
    resolution="Renamed the .bak ProfileList key back; the normal profile loads.",
)


def test_a_session_that_skips_a_question_of_the_tree_goes_on_where_it_took_the_next_one() -> None:
    tree = build_chain(list(PROFILE_FIRST.items), PROFILE_FIRST.resolution, IdMaker(), None)
    skipped = path(
        ask("Is there a SID key with .bak on the end in ProfileList?", "Yes, two keys", "No"),
        do("Delete the SID key without .bak and rename the .bak key back, then restart"),
        resolution="Removed the duplicate SID key; profile loads again.",
    )
    result = merge_path(tree, skipped)
    assert (result.merged, result.reason) == (True, "Added another resolution to solution 's1'.")
    # The skipped question gains no support; the steps the session took do, and keep its words.
    assert support(result.tree) == {"q1": 1, "q2": 2, "a1": 2, "s1": 2, "s2": None, "s3": None}
    assert wordings(result.tree)["q2"] == (["Is there a SID key with .bak on the end in ProfileList?"], None)
    # A step that matches further down but leads somewhere the session did not go is no place for it.
    elsewhere = path(
        ask("Is there a SID key with .bak on the end in ProfileList?", "Yes, two keys", "No"),
        do("Rebuild the profile from scratch"),
        resolution="New profile built.",
    )
    assert merge_path(tree, elsewhere).merged is False


def test_a_session_that_asks_one_thing_more_puts_it_in_before_the_trees_step() -> None:
    tree = build_chain(list(PROFILE_FIRST.items), PROFILE_FIRST.resolution, IdMaker(), None)
    extra = path(
        ask("Was the user signed in somewhere else when it started?", "No", "Yes"),
        ask("Does the user get the temporary profile on other PCs too, or only on this one?", "Only this PC"),
        ask("In regedit under ProfileList, is there a key for the user's SID ending in .bak?", "Yes"),
        do("Delete the SID key without .bak and rename the .bak key back, then have the user log on again"),
        resolution="Renamed the .bak ProfileList key back; the normal profile loads.",
    )
    result = merge_path(tree, extra)
    assert result.merged and result.reason == (
        "Added 'Was the user signed in somewhere else when it started?' before 'Does the user get the temporary "
        "profile on other PCs too, or only on this one?'. Followed a known path."
    )
    # The session's question is the tree's first now: its answer leads on to the old first question, its other
    # answer is left to explore, and only the one session that asked it supports it.
    root = result.tree
    assert (root["id"], root["question"], labels(root)) == (
        "q3",
        "Was the user signed in somewhere else when it started?",
        ["No", "Yes"],
    )
    assert root["children"][0]["id"] == "q1" and root["children"][1]["solution"] == UNEXPLORED
    assert support(result.tree) == {"q3": 1, "q1": 2, "q2": 2, "a1": 2, "s1": 2, "s2": None, "s3": None, "s5": None}
    assert validate_tree(result.tree) == []
    # A second session that does not ask it goes past it to the step it took.
    again = merge_path(result.tree, PROFILE_FIRST)
    assert again.merged and support(again.tree)["q3"] == 1 and support(again.tree)["q1"] == 3
    # Where the tree has no room for one more level, the step is left out as before.
    deep = build_chain(
        [ask(f"Is check {n} fine?", "Yes", "No") for n in range(MAX_DEPTH - 1)], "Fixed.", IdMaker(), None
    )
    longer = path(
        ask("Was the user signed in somewhere else when it started?", "No", "Yes"),
        *[ask(f"Is check {n} fine?", "Yes", "No") for n in range(MAX_DEPTH - 1)],
        resolution="Fixed.",
    )
    kept = merge_path(deep, longer)
    assert (kept.merged, kept.reason) == (True, "Followed a known path.")
    assert kept.tree["question"] == "Is check 0 fine?"
    # Not when the extra step names something else than the tree's step there.
    teams = path(
        ask("Is the Teams client connected?", "No", "Yes"),
        ask("Is the VPN client connected?", "No", "Yes"),
        do("Reconnect the VPN"),
        resolution="Reconnected.",
    )
    vpn = build_chain(
        [ask("Is the VPN client connected?", "No", "Yes"), do("Reconnect the VPN")], "Reconnected.", IdMaker(), None
    )
    assert merge_path(vpn, teams).merged is False


def test_an_answer_that_says_how_far_the_problem_reaches_takes_the_option_that_says_the_same() -> None:
    assert [
        scope(t) for t in ("Just one user", "only him", "Everyone", "Nope - the whole office", "Several / all")
    ] == [
        "one",
        "one",
        "many",
        "many",
        "many",
    ]
    assert [scope(t) for t in ("Yes", "Not just me", "One user, but all of his apps")] == [None, None, None]
    reach = "Is it one user or everyone on the host pool?"
    tree = build_chain(
        [ask(reach, "Just one user", "Lots of users"), do("Log the orphaned session off the other session host")],
        "Stale session held the container; logged it off.",
        IdMaker(),
        None,
    )
    everyone = path(
        ask("Everyone on the pool or a single user?", "Everyone", "Single user"),
        ask("Does the FSLogix log say there is not enough space on the disk?", "Yes", "No"),
        do("Raise the quota of the profile share"),
        resolution="Profile share was full; quota raised.",
    )
    result = merge_path(tree, everyone)
    assert (result.merged, result.reason) == (True, f"Explored option 'Lots of users' of '{reach}'.")
    assert wordings(result.tree)["q2"] == (None, ["Everyone"])
    # "Everyone" never takes "Just one user", whatever the session did next.
    assert (
        merge_path(result.tree, path(ask(reach, "Everyone"), do("Log the orphaned session off"), resolution="x")).tree[
            "children"
        ][0]["support"]
        == 1
    )


INSTALL_FIRST = path(
    ask("Has the device checked in with Intune in the last hour?", "Yes", "No"),
    do("Restart the Microsoft Intune Management Extension service and sync from Company Portal"),
    resolution="IME restarted; the app installed within ten minutes.",
)


def test_a_session_that_fixed_it_another_way_where_the_tree_acts_adds_its_fix_to_that_solution() -> None:
    tree = build_chain(list(INSTALL_FIRST.items), INSTALL_FIRST.resolution, IdMaker(), None)
    other = path(
        ask("Is the device syncing with MDM (last check-in recent)?", "Yep"),
        do("Correct the detection rule (file path and version) so it matches what the installer writes"),
        resolution="Detection rule corrected; the app shows as installed.",
    )
    result = merge_path(tree, other)
    assert (result.merged, result.reason) == (True, "Added another fix to solution 's1'.")
    assert result.tree["children"][0]["children"][0]["solution"] == (
        "IME restarted; the app installed within ten minutes.\n"
        "Also resolved by: Correct the detection rule (file path and version) so it matches what the installer "
        "writes: Detection rule corrected; the app shows as installed."
    )
    # The question and the solution count the session; the action it did not take does not.
    assert support(result.tree) == {"q1": 2, "a1": 1, "s1": 2, "s2": None}
    assert wordings(result.tree)["q1"] == (["Is the device syncing with MDM (last check-in recent)?"], None)
    # A session that goes on to ask something there is another route, not another fix.
    asks_more = path(
        ask("Is the device syncing with MDM (last check-in recent)?", "Yep"),
        ask("What does the IME log say about detection?", "Not detected after install"),
        do("Fix the detection rule"),
        resolution="Fixed.",
    )
    assert merge_path(tree, asks_more).merged is False


def test_a_session_that_skips_to_the_trees_last_action_ends_at_its_solution() -> None:
    first = path(
        ask("Is the person it's checked out to still with the company?", "No, left", "Yes"),
        ask("Are you or the requester a site owner?", "Yes", "No"),
        do("As site owner select the file, then Check in (or Discard check out), then edit it"),
        resolution="Checked the leaver's file in as site owner; the user can edit it.",
    )
    tree = build_chain(list(first.items), first.resolution, IdMaker(), None)
    skipped = path(
        ask("Is the person it's checked out to still with the company?", "No, left"),
        do("Site owner overrides the check-out: Discard check out from the file's menu"),
        resolution="Owner discarded the stale check-out.",
    )
    result = merge_path(tree, skipped)
    assert (result.merged, result.reason) == (True, "Added another resolution to solution 's1'.")
    assert support(result.tree) == {"q1": 2, "q2": 1, "a1": 2, "s1": 2, "s2": None, "s3": None}


def test_a_session_that_makes_another_check_goes_on_where_the_trees_checks_found_nothing() -> None:
    router = path(
        ask("Is the WAN light on the home router green?", "No", "Yes"),
        do("Power-cycle the home router"),
        resolution="Router back online; the VPN connects.",
    )
    # The tree's first check led on to its second (it passed); the second found the cause on "Error 809", so the
    # session's own check goes on from its open answer "Other error" (of the two open ones, the one that says so).
    result = merge_path(BASE, router)
    assert (result.merged, result.reason) == (
        True,
        "The session asked 'Is the WAN light on the home router green?', which the proposal does not ask there: its "
        f"route now follows option 'Other error' of '{WHICH_ERROR}', a check the session did not make.",
    )
    q2 = result.tree["children"][0]
    assert [(c["label"], c["type"], node_text(c)) for c in q2["children"]] == [
        ("Error 809", "action", "Switch the user to the SSL VPN profile."),
        ("Error 720", "solution", UNEXPLORED),
        ("Other error", "question", "Is the WAN light on the home router green?"),
    ]
    assert support(result.tree) == {
        "q1": 1,
        "q2": 1,
        "a1": 1,
        "s1": 1,
        "s2": None,
        "q3": 1,
        "a2": 1,
        "s5": 1,
        "s6": None,
        "s4": None,
    }
    assert validate_tree(result.tree) == []
    # A second session of that route follows it; a third check goes on below the second: a ladder of checks.
    again = merge_path(result.tree, router)
    assert (again.merged, again.reason) == (True, "Followed a known path.")
    dns = path(ask("Is the laptop clock within five minutes of the time server?", "No", "Yes"), resolution="Synced.")
    third = merge_path(again.tree, dns)
    assert third.merged and third.reason.endswith(
        "follows option 'Yes' of 'Is the WAN light on the home router green?', a check the session did not make."
    )


def test_another_check_has_no_place_where_the_tree_gives_no_single_open_answer() -> None:
    check = path(ask("Is the WAN light on the home router green?", "No", "Yes"), resolution="Router restarted.")
    # Every answer of the first check explored, each to its own fix: no answer on which it found nothing.
    both = copy.deepcopy(BASE)
    both["children"][1] = {"id": "s4", "label": "Yes", "type": "solution", "solution": "Remapped the home drive."}
    both["children"][0]["children"][1:] = []
    refused = merge_path(both, check)
    assert (refused.merged, refused.tree) == (False, both)
    # A tree that begins by doing something: an action has no answer to go on from.
    acting = build_chain([do("Restart the VPN client")], "Client reconnects.", IdMaker(), None)
    assert merge_path(acting, check).merged is False
    # A check of the tree's own step, or one naming another product, is not another check.
    assert merge_path(BASE, path(ask("Is the Teams client connected?", "No"), resolution="x")).merged is False


CLOCK_FIRST = path(
    ask("Is it one computer or several that can't authenticate?", "One computer", "Several / all"),
    ask("Is the clock on that computer more than 5 minutes out from the domain controller?", "Yes", "No"),
    do("Start the Windows Time service, run w32tm /resync /force"),
    resolution="w32time was stopped; resynced.",
)


def test_a_question_of_how_far_the_problem_reaches_is_only_ever_another_such_question() -> None:
    tree = build_chain(list(CLOCK_FIRST.items), CLOCK_FIRST.resolution, IdMaker(), None)
    # "laptop" and "computer" are one term, and that alone once made these one question: the session's "no" then
    # took "Several / all".
    clock = path(
        ask("Does the laptop's clock match your phone?", "no - 12 minutes fast", "Yes", "No, it's off"),
        do("Set the Windows Time service to start automatically, then w32tm /resync"),
        resolution="Resynced the clock.",
    )
    result = merge_path(tree, clock)
    assert (result.merged, result.reason) == (
        False,
        "The session asked 'Does the laptop's clock match your phone?' where the proposal asked 'Is it one "
        "computer or several that can't authenticate?'.",
    )
    # Asked in other words, with options that say one or many only on one side, it is the same question.
    office = path(
        ask("Only this PC affected?", "Nope - the whole office", "Yep"),
        ask("Where does the PDC emulator get its time from?", "VM IC Time Synchronization Provider", "An NTP server"),
        do("Disable the VMIC time provider on the PDC emulator"),
        resolution="PDC syncs from NTP now.",
    )
    merged = merge_path(tree, office)
    assert (merged.merged, merged.reason) == (
        True,
        "Explored option 'Several / all' of 'Is it one computer or several that can't authenticate?'.",
    )
    assert wordings(merged.tree)["q1"] == (["Only this PC affected?"], None)
    assert merged.tree["children"][1]["question"] == "Where does the PDC emulator get its time from?"
    # A yes/no question whose words may ask it is never kept apart by that rule: its words decide, as before.
    for text in ["Do colleagues see it too?", "Anyone else affected?", "Is it the same on other PCs?"]:
        assert not _reach_conflict(tree, ask(text, "Yes", "No"))
    assert _reach_conflict(tree, ask("Does the laptop's clock match your phone?", "Yes", "No"))
